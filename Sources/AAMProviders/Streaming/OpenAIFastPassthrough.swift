import AAMCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenAI upstream -> OpenAI client, at the byte level: the hot path of a same-protocol stream.
///
/// Each upstream event is forwarded as its exact bytes; no `String` is built and no JSON is
/// parsed for ordinary content chunks. Only an event that may carry usage or an error (one or
/// two per stream) goes through `OpenAIPassthroughStream`, which keeps the semantics identical.
/// Anything unusual (CR line endings, comments, multi-line or named events) also takes that
/// slower, general path, so correctness never depends on the fast path's assumptions.
public struct OpenAIFastPassthrough: Sendable {
    private var general: OpenAIPassthroughStream
    private var pending: [UInt8] = []
    /// Set once a CR is seen: from then on the general SSE parser handles every byte.
    private var parser: SSEParser?
    private var fastEmittedContent = false
    private var fastSawTerminal = false
    /// Bytes of `pending` already searched for an event end (so a long event arriving in many
    /// reads is scanned once, not once per read).
    private var scanned = 0
    /// Output bytes of the chunks forwarded here; those sent to `general` are counted there.
    private var fastOutputBytes = 0

    public init(clientRequestedUsage: Bool) {
        general = OpenAIPassthroughStream(clientRequestedUsage: clientRequestedUsage)
    }

    public var usage: TokenUsage? { general.usage }
    public var sawTerminalEvent: Bool { fastSawTerminal || general.sawTerminalEvent }
    public var emittedContent: Bool { fastEmittedContent || general.emittedContent }
    public var upstreamError: UpstreamStreamError? { general.upstreamError }
    /// Bytes of model output received from the upstream (see ``StreamTranslator/outputBytes``).
    public var outputBytes: Int { StreamOutputMeter.adding(fastOutputBytes, general.outputBytes) }

    /// Consumes upstream bytes; returns the bytes to send the client now.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        if parser == nil, bytes.contains(0x0D) {
            var fresh = SSEParser()
            let events = try Self.parse(pending, with: &fresh)
            pending.removeAll()
            parser = fresh
            var output = try translateAll(events)
            output.append(contentsOf: try feedGeneral(bytes))
            return output
        }
        if parser != nil { return try feedGeneral(bytes) }
        pending.append(contentsOf: bytes)
        var output: [UInt8] = []
        var start = 0
        while let end = Self.eventEnd(in: pending, from: max(start, scanned)) {
            try forward(start..<end, into: &output)
            start = end
        }
        if start > 0 { pending.removeFirst(start) }
        // The unterminated rest was searched, but for its last byte (half of a `\n\n`).
        scanned = max(pending.count - 1, 0)
        // Same bound as the general parser: an endless event is an error, not endless memory.
        guard pending.count <= SSEParser.defaultMaximumEventBytes else {
            throw Self.tooLarge(SSEEventTooLarge(limit: SSEParser.defaultMaximumEventBytes))
        }
        return output
    }

    /// The upstream closed: flushes an unterminated last event through the general parser.
    public mutating func finish() throws(TranslationError) -> [UInt8] {
        var parser = self.parser ?? SSEParser()
        var events = try Self.parse(pending, with: &parser)
        pending.removeAll()
        events.append(contentsOf: parser.finish())
        self.parser = parser
        var output = try translateAll(events)
        output.append(contentsOf: general.finish())
        return output
    }

    // MARK: Internals

    private mutating func feedGeneral(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [UInt8] {
        guard var general = parser else { return [] }
        parser = nil  // `general` is then the only reference: appending does not copy its buffers
        defer { parser = general }
        return try translateAll(try Self.parse(bytes, with: &general))
    }

    private static func parse(_ bytes: some Collection<UInt8>, with parser: inout SSEParser) throws(TranslationError) -> [SSEEvent] {
        do { return try parser.append(bytes) } catch { throw tooLarge(error) }
    }

    private static func tooLarge(_ error: SSEEventTooLarge) -> TranslationError {
        TranslationError(message: "response stream: \(error.description)")
    }

    private mutating func translateAll(_ events: [SSEEvent]) throws(TranslationError) -> [UInt8] {
        var output: [UInt8] = []
        for event in events { output.append(contentsOf: try general.translate(event)) }
        return output
    }

    /// Index just past the next `\n\n` at or after `start`.
    private static func eventEnd(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A {
                if bytes[index + 1] == 0x0A { return index + 2 }
            }
            index += 1
        }
        return nil
    }

    private static let dataPrefix = Array("data: ".utf8)
    private static let done = Array("[DONE]".utf8)
    private static let usageKey = Array("\"usage\"".utf8)
    private static let usageNull = Array("\"usage\":null".utf8)
    private static let errorKey = Array("\"error\"".utf8)

    private mutating func forward(_ range: Range<Int>, into output: inout [UInt8]) throws(TranslationError) {
        let event = pending[range]
        // The common shape: exactly one `data: …` line, then the blank line.
        let body = event.dropLast(2)
        let isSimple = body.starts(with: Self.dataPrefix) && !body.contains(0x0A)
        guard isSimple else {
            var oneShot = SSEParser()
            output.append(contentsOf: try translateAll(try Self.parse(event, with: &oneShot) + oneShot.finish()))
            return
        }
        let payload = body.dropFirst(Self.dataPrefix.count)
        if payload.elementsEqual(Self.done) {
            fastSawTerminal = true
            output.append(contentsOf: event)
            return
        }
        let mayCarryUsage = ByteSearch.contains(payload, Self.usageKey) && !ByteSearch.contains(payload, Self.usageNull)
        if mayCarryUsage || ByteSearch.contains(payload, Self.errorKey) {
            let text = String(decoding: payload, as: UTF8.self)
            output.append(contentsOf: try general.translate(SSEEvent(data: text)))
            return
        }
        if !fastEmittedContent { fastEmittedContent = OpenAIChunkBytes.carriesOutput(payload) }
        fastOutputBytes = StreamOutputMeter.adding(fastOutputBytes, StreamOutputMeter.openAI.bytes(in: payload))
        output.append(contentsOf: event)
    }
}

/// Substring search over bytes, for short fixed ASCII markers in JSON chunks: `memchr` finds
/// candidate first bytes, then the rest is compared in place.
enum ByteSearch {
    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        firstIndex(haystack, needle) != nil
    }

    static func firstIndex(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay -> Int? in
            guard let base = hay.baseAddress else { return nil }
            var offset = 0
            let last = hay.count - needle.count
            while offset <= last {
                guard let found = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var matches = true
                for index in 1..<needle.count where hay[position + index] != needle[index] {
                    matches = false
                    break
                }
                if matches { return haystack.startIndex + position }
                offset = position + 1
            }
            return nil
        }
    }
}

/// `OpenAIChunkInspector.carriesOutput` on bytes.
enum OpenAIChunkBytes {
    private static let toolCalls = Array("\"tool_calls\"".utf8)
    private static let refusal = Array("\"refusal\":\"".utf8)
    private static let finishReason = Array("\"finish_reason\":\"".utf8)
    private static let content = Array("\"content\":\"".utf8)

    static func carriesOutput(_ payload: ArraySlice<UInt8>) -> Bool {
        if ByteSearch.contains(payload, toolCalls) || ByteSearch.contains(payload, refusal) { return true }
        if ByteSearch.contains(payload, finishReason) { return true }
        guard let index = ByteSearch.firstIndex(payload, content) else { return false }
        let next = index + content.count
        return next < payload.endIndex && payload[next] != UInt8(ascii: "\"")
    }
}
