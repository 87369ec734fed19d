import AAMCore

/// A same-format stream relayed at the byte level: the client gets the upstream's exact bytes,
/// and the relay only reads along (usage, the end, an error) without re-encoding an event.
///
/// One per inbound API whose upstream speaks it too (`WireBridge.fastPassthrough`): OpenAI chat
/// (`OpenAIFastPassthrough`) and the Responses API (`ResponsesFastPassthrough`).
public protocol ByteStreamPassthrough: Sendable {
    /// Consumes upstream bytes; returns the bytes to send the client now.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8]
    /// The upstream closed: what is still to send.
    mutating func finish() throws(TranslationError) -> [UInt8]
    /// Usage reported by the upstream so far (see ``StreamTranslator``).
    var usage: TokenUsage? { get }
    var sawTerminalEvent: Bool { get }
    var emittedContent: Bool { get }
    var upstreamError: UpstreamStreamError? { get }
    var outputBytes: Int { get }
    /// The bytes that end the stream with the gateway's own error (`code`, `message`) when the
    /// format numbers its events (the Responses API); nil where the relay's generic in-band
    /// error event fits (OpenAI chat).
    func inBandFailure(code: String, message: String) -> [UInt8]?
}

extension ByteStreamPassthrough {
    public func inBandFailure(code: String, message: String) -> [UInt8]? { nil }
}

extension OpenAIFastPassthrough: ByteStreamPassthrough {}
