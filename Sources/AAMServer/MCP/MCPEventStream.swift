import AAMCore
import Foundation

/// Reads the JSON-RPC response to one request out of an upstream `text/event-stream` answer.
///
/// A Streamable HTTP server may send notifications and its own requests on the stream before
/// the response; those are skipped, and the response is the first message whose `id` is the
/// request's and which carries `result` or `error`. Bytes are fed as they arrive, so the broker
/// stops reading as soon as the response is complete (the upstream may keep the stream open).
/// Pure: no I/O, the caller bounds size and time.
struct MCPEventStream {
    let requestID: JSONValue?
    private var pending: [UInt8] = []
    private var data: [String] = []

    init(requestID: JSONValue?) { self.requestID = requestID }

    /// Feeds bytes; returns the response once a complete event carries it.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> JSONValue? {
        pending.append(contentsOf: bytes)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            pending.removeSubrange(...newline)
            if text.isEmpty {
                if let response = dispatch() { return response }
            } else if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
            // `event:`, `id:`, `retry:` and `:` comments carry nothing the broker needs.
        }
        return nil
    }

    /// The end of the stream also ends a last event that had no blank line after it.
    mutating func finish() -> JSONValue? {
        if !pending.isEmpty { _ = feed([UInt8(ascii: "\n")]) }
        return dispatch()
    }

    private mutating func dispatch() -> JSONValue? {
        defer { data.removeAll() }
        guard !data.isEmpty,
            case .object(let message)? = try? JSONDecoder().decode(JSONValue.self, from: Data(data.joined(separator: "\n").utf8)),
            message["method"] == nil, message["result"] != nil || message["error"] != nil,
            message["id"] == requestID
        else { return nil }
        return .object(message)
    }
}
