import Foundation

/// The control socket's wire format, shared by `aamd`, `aam console` and the CLI.
///
/// Newline-delimited JSON: one message per line, each an envelope with a `type`. Both sides
/// start with `hello`; a peer whose `protocolVersion` major differs is told so and closed.
/// (The socket server and the console build on this module; see the console issue.)
public enum ControlProtocol {
    /// Bumped on incompatible changes to any message shape.
    public static let version = 1
    /// Longest accepted line, so a confused peer cannot make the other side buffer without bound.
    public static let maxLineBytes = 1 << 20
}

/// The first message each side sends.
public struct ControlHello: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    /// `aamd` or `aam`, and its version.
    public var peer: String

    public init(protocolVersion: Int = ControlProtocol.version, peer: String) {
        self.protocolVersion = protocolVersion
        self.peer = peer
    }

    /// Nil when compatible, else the reason to show the operator.
    public func incompatibility(with local: Int = ControlProtocol.version) -> String? {
        protocolVersion == local ? nil
            : "control protocol mismatch: this side speaks v\(local), the peer (\(peer)) speaks v\(protocolVersion)"
    }
}

/// Encodes messages as single lines and splits an incoming byte stream back into them.
public struct ControlFraming: Sendable {
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already searched for a newline, so a long line arriving in many small
    /// reads is scanned once, not once per read.
    private var scanned = 0

    public init() {}

    public static func encode<Message: Encodable>(_ message: Message) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // JSONEncoder never emits a raw newline (they are escaped inside strings), so one line per message holds.
        return Array(try encoder.encode(message)) + [0x0A]
    }

    /// The line that carries `message`, never longer than `ControlProtocol.maxLineBytes` (the
    /// peer would hang up on it): an event too long to send is skipped (nil), any other message
    /// too long is replaced by an `error` answer under the same id, so the asker is not left
    /// waiting and the connection survives.
    public static func encodeWithinLimit(_ message: ControlMessage) throws -> [UInt8]? {
        let line = try encode(message)
        guard line.count > ControlProtocol.maxLineBytes else { return line }
        guard message.type != .event else { return nil }
        return try encode(ControlMessage.failure(
            ControlError(code: .tooLarge, message: "the answer (\(line.count) bytes) exceeds the \(ControlProtocol.maxLineBytes)-byte line limit"),
            id: message.id))
    }

    public enum FramingError: Error, Equatable { case lineTooLong }

    /// Decodes one received line; nil when this version cannot read it (e.g. a newer kind).
    ///
    /// A live feed is nearly all call events: those are read by `CallEventLine` without
    /// `JSONDecoder` (a tenth of the cost). Other event lines are read as a `NewsLine`, since
    /// decoding the full envelope (seventeen optional members) costs about twice as much as
    /// just the members an event line has; only other lines take the full path.
    /// `decoder` must decode dates as ISO 8601 (as `encode` writes them).
    public static func decode(_ line: [UInt8], with decoder: JSONDecoder) -> ControlMessage? {
        if let call = CallEventLine.decode(line) { return call }
        return decodeWithFoundation(line, with: decoder)
    }

    /// `decode` without the fast path: the reference the fast path is tested against.
    public static func decodeWithFoundation(_ line: [UInt8], with decoder: JSONDecoder) -> ControlMessage? {
        let data = Data(line)
        if let news = try? decoder.decode(NewsLine.self, from: data), news.type == ControlMessage.Kind.event.rawValue,
            let event = news.event
        {
            var message = ControlMessage.event(event)
            message.id = news.id
            return message
        }
        return try? decoder.decode(ControlMessage.self, from: data)
    }

    /// The members an `event` line carries (the daemon sets no others on one).
    private struct NewsLine: Decodable {
        var type: String
        var id: Int?
        var event: ControlEvent?
    }

    /// Appends received bytes and returns every complete line (without its newline).
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(FramingError) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var start = 0
        var searchFrom = scanned
        while let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
            lines.append(Array(buffer[start..<newline]))
            start = newline + 1
            searchFrom = start
        }
        buffer.removeFirst(start)
        scanned = buffer.count
        guard buffer.count <= ControlProtocol.maxLineBytes else { throw .lineTooLong }
        return lines
    }
}
