import Foundation

/// One RFC 5424 message as a syslog receiver parsed it.
public struct SyslogRecord: Sendable, Hashable {
    /// The message exactly as framed (without the length prefix).
    public var raw: String
    public var priority: Int
    public var version: Int
    public var timestamp: String
    public var hostname: String
    public var appName: String
    public var procID: String
    public var msgID: String
    /// `-` or the bracketed elements, verbatim.
    public var structuredData: String
    /// The MSG part (for AAM, the event's JSON).
    public var message: String

    /// Parses `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]`;
    /// nil when the header is malformed.
    public init?(parsing raw: String) {
        self.raw = raw
        var rest = Substring(raw)
        guard rest.first == "<", let close = rest.firstIndex(of: ">"), let priority = Int(rest[rest.index(after: rest.startIndex)..<close]),
            (0...191).contains(priority)
        else { return nil }
        self.priority = priority
        rest = rest[rest.index(after: close)...]
        func field() -> String? {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            defer { rest = rest[rest.index(after: space)...] }
            let value = String(rest[..<space])
            return value.isEmpty ? nil : value
        }
        guard let versionText = field(), let version = Int(versionText), let timestamp = field(), let hostname = field(),
            let appName = field(), let procID = field(), let msgID = field()
        else { return nil }
        (self.version, self.timestamp, self.hostname, self.appName, self.procID, self.msgID) = (version, timestamp, hostname, appName, procID, msgID)
        if rest.hasPrefix("-") {
            structuredData = "-"
            rest = rest.dropFirst()
        } else {
            // SD-ELEMENTs: `[` … `]`, where `\]` `\"` `\\` inside quoted values are escapes.
            var end = rest.startIndex
            var inQuotes = false
            var escaped = false
            var depthClosed = false
            while end < rest.endIndex {
                let character = rest[end]
                if escaped { escaped = false }
                else if character == "\\" { escaped = true }
                else if character == "\"" { inQuotes.toggle() }
                else if character == "]", !inQuotes {
                    let next = rest.index(after: end)
                    if next == rest.endIndex || rest[next] != "[" { end = next; depthClosed = true; break }
                }
                end = rest.index(after: end)
            }
            guard rest.first == "[", depthClosed else { return nil }
            structuredData = String(rest[..<end])
            rest = rest[end...]
        }
        message = rest.hasPrefix(" ") ? String(rest.dropFirst()) : String(rest)
    }

    /// The value of `name` in the structured data (unescaped), if present.
    public func parameter(_ name: String) -> String? {
        guard let range = structuredData.range(of: " \(name)=\"") else { return nil }
        var value = ""
        var escaped = false
        for character in structuredData[range.upperBound...] {
            if escaped { value.append(character); escaped = false }
            else if character == "\\" { escaped = true }
            else if character == "\"" { return value }
            else { value.append(character) }
        }
        return nil
    }

    /// `message` parsed as a JSON object.
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(message.utf8))) as? [String: Any]
    }
}

/// Splits a TCP byte stream framed by octet counting (RFC 6587 3.4.1): `LEN SP MSG`, repeated.
public struct OctetCountingDecoder: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    public enum Failure: Error, Equatable { case badLength }

    /// Appends received bytes and returns every complete message.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [String] {
        buffer.append(contentsOf: bytes)
        var messages: [String] = []
        var start = 0
        while start < buffer.count {
            guard let space = buffer[start...].firstIndex(of: 0x20) else {
                if buffer.count - start > 10 { throw .badLength }
                break
            }
            let digits = buffer[start..<space]
            guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(String(decoding: digits, as: UTF8.self)),
                length > 0
            else { throw .badLength }
            let end = space + 1 + length
            guard end <= buffer.count else { break }
            messages.append(String(decoding: buffer[(space + 1)..<end], as: UTF8.self))
            start = end
        }
        buffer.removeFirst(start)
        return messages
    }
}
