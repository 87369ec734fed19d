import AAMCore
import AAMTesting
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

/// The time bound of an upstream exchange: an SSE stream that never delivers the response ends
/// with a 504 JSON-RPC error naming the server, instead of holding the agent's request.
@Suite struct MCPUpstreamBoundTests {
    @Test func aStreamWithoutTheResponseTimesOut() async throws {
        let fake = try await FakeMCPServer.start(style: .stateless, sse: true)
        fake.withholdResponses()
        let server = MCPServerConfig(name: "crm", url: fake.url, protocolVersion: MCPProtocol.statelessVersion, injection: MCPInjection(type: .bearer))
        let credential = MCPCredentialInjector.Header(name: "Authorization", value: "Bearer x", secrets: ["x"])
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8)
        let started = ContinuousClock.now
        // 3 s, not less: a loaded CI run once spent over 500 ms before the request even reached
        // the fake, so a shorter bound timed out without testing the withheld-response path.
        do {
            _ = try await MCPUpstream.post(
                body, method: "tools/list", name: nil, id: .number(1), server: server, credential: credential, session: nil, timeout: .seconds(3))
            Issue.record("a withheld response was answered")
        } catch {
            #expect(error.status == 504)
            #expect(error.message.contains("MCP server 'crm' did not answer within"), "\(error.message)")
            #expect(error.id == .number(1))
        }
        #expect(ContinuousClock.now - started < .seconds(60), "the bound ended the exchange")
        #expect(fake.mcpRequests.count == 1, "the request did reach the upstream")
        await fake.stop()
    }
}
