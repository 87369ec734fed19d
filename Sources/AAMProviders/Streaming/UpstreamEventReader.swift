import AAMCore

/// Turns a streamed upstream body, cut anywhere, into the events a `StreamTranslator` reads.
///
/// Why: every vendor but one streams server-sent events; Bedrock streams AWS's binary event
/// stream. The bridge names its reader (`WireBridge.eventReader()`), so the relay stays one loop.
public protocol UpstreamEventReader: Sendable {
    /// The events completed by `bytes`. Throws when the stream cannot be read past them.
    mutating func append(_ bytes: some Collection<UInt8>) throws -> [SSEEvent]
    /// The upstream ended: what is still held (SSE's last event without a blank line).
    mutating func finish() throws -> [SSEEvent]
}

/// Server-sent events (`SSEParser`): every vendor's stream but Bedrock's.
public struct SSEEventReader: UpstreamEventReader {
    private var parser = SSEParser()

    public init() {}

    public mutating func append(_ bytes: some Collection<UInt8>) throws -> [SSEEvent] { try parser.append(bytes) }

    public mutating func finish() throws -> [SSEEvent] { parser.finish() }
}
