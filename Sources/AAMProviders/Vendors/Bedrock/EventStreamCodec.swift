import AAMCore

/// One message of AWS's binary event stream (`application/vnd.amazon.eventstream`).
///
/// Wire: prelude (total length u32, headers length u32, prelude CRC32 u32, big-endian), headers
/// (name length u8, name, value type u8, value), payload, message CRC32 over everything before it.
public struct EventStreamMessage: Sendable, Equatable {
    /// String-valued headers (`:event-type`, `:message-type`, `:content-type`, `:exception-type`).
    public var headers: [String: String]
    public var payload: [UInt8]

    public init(headers: [String: String], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }

    /// `:message-type` is `event`, `exception` or `error`.
    public var messageType: String { headers[":message-type"] ?? "event" }

    /// The event's name (`contentBlockDelta`), or the exception's (`throttlingException`), or
    /// the error's code.
    public var name: String {
        switch messageType {
        case "exception": headers[":exception-type"] ?? headers[":event-type"] ?? "exception"
        case "error": headers[":error-code"] ?? "error"
        default: headers[":event-type"] ?? ""
        }
    }

    /// The framed bytes, with real CRCs. Header order is sorted by name, so equal messages frame alike.
    public func encoded() -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            let valueBytes = Array(value.utf8)
            headerBytes.append(UInt8(nameBytes.count))
            headerBytes += nameBytes
            headerBytes.append(7)  // string
            headerBytes += EventStreamDecoder.bigEndian16(UInt16(valueBytes.count))
            headerBytes += valueBytes
        }
        let total = 12 + headerBytes.count + payload.count + 4
        var out = EventStreamDecoder.bigEndian32(UInt32(total)) + EventStreamDecoder.bigEndian32(UInt32(headerBytes.count))
        out += EventStreamDecoder.bigEndian32(CRC32.checksum(out))
        out += headerBytes
        out += payload
        out += EventStreamDecoder.bigEndian32(CRC32.checksum(out))
        return out
    }
}

/// Reads event-stream messages from bytes cut anywhere; every prelude and message CRC is
/// checked, and a mismatch is an error (the stream cannot be trusted past it).
public struct EventStreamDecoder: Sendable {
    /// Larger messages are refused (a corrupt length would otherwise buffer without bound).
    public static let maximumMessageBytes = 16 << 20
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// The messages completed by `bytes`.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(TranslationError) -> [EventStreamMessage] {
        buffer.append(contentsOf: bytes)
        var messages: [EventStreamMessage] = []
        while buffer.count - start >= 12 {
            let total = Int(Self.read32(buffer, at: start))
            let headersLength = Int(Self.read32(buffer, at: start + 4))
            let preludeCRC = Self.read32(buffer, at: start + 8)
            guard CRC32.checksum(buffer[start..<start + 8]) == preludeCRC else {
                throw TranslationError(message: "event stream: prelude checksum mismatch")
            }
            guard total >= 16, total <= Self.maximumMessageBytes, headersLength <= total - 16 else {
                throw TranslationError(message: "event stream: message length \(total) with headers \(headersLength) is invalid")
            }
            guard buffer.count - start >= total else { break }
            let messageCRC = Self.read32(buffer, at: start + total - 4)
            guard CRC32.checksum(buffer[start..<start + total - 4]) == messageCRC else {
                throw TranslationError(message: "event stream: message checksum mismatch")
            }
            let headers = try Self.headers(buffer[(start + 12)..<(start + 12 + headersLength)])
            messages.append(EventStreamMessage(headers: headers, payload: Array(buffer[(start + 12 + headersLength)..<(start + total - 4)])))
            start += total
        }
        if start > 0, start == buffer.count || start > 64 << 10 {
            buffer.removeFirst(start)
            start = 0
        }
        return messages
    }

    /// True when bytes of an unfinished message are held (the stream ended mid-message).
    public var holdsPartialMessage: Bool { buffer.count > start }

    /// Header values of every type are read; string and bytes values are kept as text.
    static func headers(_ bytes: ArraySlice<UInt8>) throws(TranslationError) -> [String: String] {
        var headers: [String: String] = [:]
        var i = bytes.startIndex
        func need(_ n: Int) throws(TranslationError) {
            guard bytes.endIndex - i >= n else { throw TranslationError(message: "event stream: truncated header") }
        }
        while i < bytes.endIndex {
            try need(1)
            let nameLength = Int(bytes[i]); i += 1
            try need(nameLength + 1)
            let name = String(decoding: bytes[i..<i + nameLength], as: UTF8.self); i += nameLength
            let type = bytes[i]; i += 1
            switch type {
            case 0, 1: continue  // bool true / false
            case 2: try need(1); i += 1
            case 3: try need(2); i += 2
            case 4: try need(4); i += 4
            case 5, 8: try need(8); i += 8
            case 9: try need(16); i += 16
            case 6, 7:
                try need(2)
                let length = Int(bytes[i]) << 8 | Int(bytes[i + 1]); i += 2
                try need(length)
                headers[name] = String(decoding: bytes[i..<i + length], as: UTF8.self); i += length
            default:
                throw TranslationError(message: "event stream: unknown header value type \(type)")
            }
        }
        return headers
    }

    static func read32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func bigEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
}
