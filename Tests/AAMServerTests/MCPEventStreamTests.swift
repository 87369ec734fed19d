import AAMCore
@testable import AAMServer
import Foundation
import Testing

/// Reading the response to one request out of an upstream SSE answer, fed in arbitrary chunks.
@Suite struct MCPEventStreamTests {
    static let stream = """
        : keep-alive

        event: message
        data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}

        data: {"jsonrpc":"2.0","id":7,"method":"ping"}

        id: 3
        event: message
        data: {"jsonrpc":"2.0","id":7,
        data: "result":{"ok":true}}

        data: {"jsonrpc":"2.0","id":7,"result":{"second":true}}


        """

    @Test func skipsNotificationsAndServerRequestsAndStopsAtTheResponse() {
        for chunkSize in [1, 3, 17, 4096] {
            var parser = MCPEventStream(requestID: .number(7))
            let bytes = Array(Self.stream.utf8)
            var found: JSONValue?
            var consumed = 0
            while found == nil, consumed < bytes.count {
                let end = min(consumed + chunkSize, bytes.count)
                found = parser.feed(bytes[consumed..<end])
                consumed = end
            }
            // A multi-line data field is joined with "\n"; the later duplicate is never read.
            #expect(found == .object(["jsonrpc": .string("2.0"), "id": .number(7), "result": .object(["ok": .bool(true)])]), "chunk \(chunkSize)")
            if chunkSize < 100 { #expect(consumed < bytes.count, "read past the response (chunk \(chunkSize))") }
        }
    }

    @Test func crlfLinesAnErrorResponseAndAnUnterminatedLastEvent() {
        var parser = MCPEventStream(requestID: .string("a"))
        #expect(parser.feed(Array("data: {\"jsonrpc\":\"2.0\",\"id\":\"other\",\"result\":{}}\r\n\r\n".utf8)) == nil, "another id")
        #expect(parser.feed(Array("data: {\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-1,\"message\":\"x\"}}".utf8)) == nil)
        let last = parser.finish()
        #expect(last.flatMap { if case .object(let o) = $0 { o["error"] } else { nil } } != nil)

        var empty = MCPEventStream(requestID: .number(1))
        #expect(empty.feed(Array("data: not json\n\n".utf8)) == nil)
        #expect(empty.finish() == nil)
    }
}
