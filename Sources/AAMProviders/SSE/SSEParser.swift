/// Incremental server-sent-events parser (WHATWG "event stream interpretation").
///
/// Feed arbitrary byte chunks; events may be split anywhere, including between the CR and LF
/// of a CRLF. Lines end with LF, CRLF or CR; lines starting with `:` are comments; `id` and
/// `retry` are accepted and ignored (the gateway does not resume streams).
///
/// Bounded: one event (its lines so far, data and name) may hold at most `maximumEventBytes`;
/// an upstream that sends an endless line or an endless event makes `append` throw
/// `SSEEventTooLarge` (and every later `append` too), so memory never grows without bound and
/// the caller ends the stream with its in-band error.
public struct SSEParser: Sendable {
    /// 8 MiB: far above any event an LLM vendor streams (a chunk of text or of tool arguments).
    public static let defaultMaximumEventBytes = 8 << 20

    /// The most bytes one event may hold before `append` throws.
    public let maximumEventBytes: Int
    private var line: [UInt8] = []
    /// Bytes held by the current event's completed lines (data, name).
    private var eventBytes = 0
    private var failed = false
    /// The previous chunk ended with CR, so a leading LF in the next chunk belongs to it.
    private var pendingCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false
    /// Bytes of a leading UTF-8 byte order mark still to be matched; the spec says to drop it.
    private var bomBytesSeen = 0
    private var pastStart = false
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Creates an empty parser accepting events of at most `maximumEventBytes`.
    public init(maximumEventBytes: Int = SSEParser.defaultMaximumEventBytes) {
        self.maximumEventBytes = max(maximumEventBytes, 1)
    }

    /// Consumes bytes and returns every event completed by them, in order. Throws once the
    /// current event passes `maximumEventBytes`; the parser then stays failed.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(SSEEventTooLarge) -> [SSEEvent] {
        guard !failed else { throw SSEEventTooLarge(limit: maximumEventBytes) }
        var events: [SSEEvent] = []
        for byte in bytes {
            if !pastStart {
                if byte == Self.byteOrderMark[bomBytesSeen] {
                    bomBytesSeen += 1
                    if bomBytesSeen == Self.byteOrderMark.count { pastStart = true }
                    continue
                }
                pastStart = true
                // A partial match was not a BOM after all: those bytes are content.
                line.append(contentsOf: Self.byteOrderMark[..<bomBytesSeen])
            }
            if pendingCR {
                pendingCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                endLine(into: &events)
            case 0x0D:
                pendingCR = true
                endLine(into: &events)
            default:
                line.append(byte)
                // Both are at most `maximumEventBytes` here, so the sum cannot overflow.
                if line.count + eventBytes > maximumEventBytes {
                    failed = true
                    line = []
                    dataLines = []
                    throw SSEEventTooLarge(limit: maximumEventBytes)
                }
            }
        }
        return events
    }

    /// Signals end of input. An unterminated last line and an event missing its closing blank
    /// line are still delivered: some upstreams end with `data: [DONE]` and no newline.
    /// Truncated JSON in such an event surfaces later as a translation error.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !pastStart { line.append(contentsOf: Self.byteOrderMark[..<bomBytesSeen]) }
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        pendingCR = false
        return events
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // comment / keep-alive
        let field: String
        let value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = colon + 1
            if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
            value = String(decoding: line[valueStart...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(value)
            hasData = true
            eventBytes += line.count + 1
        case "event":
            eventName = value
            eventBytes += line.count
        default:
            break  // id, retry, unknown fields
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            eventName = nil
            dataLines.removeAll(keepingCapacity: true)
            hasData = false
            eventBytes = 0
        }
        // Per the spec an event with no data lines is not dispatched.
        guard hasData else { return }
        events.append(SSEEvent(event: eventName.flatMap { $0.isEmpty ? nil : $0 }, data: dataLines.joined(separator: "\n")))
    }
}

/// An upstream event stream sent an event (or a line) larger than the parser accepts.
public struct SSEEventTooLarge: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parser's `maximumEventBytes`.
    public var limit: Int

    public var description: String { "an upstream stream event exceeded \(limit) bytes" }
}
