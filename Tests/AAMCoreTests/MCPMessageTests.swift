import AAMCore
import Foundation
import Testing

/// The pure MCP message helpers: JSON-RPC decoding, the stateless header/body check, tool list
/// filtering, denial results, string mapping and argument paths.
@Suite struct MCPMessageTests {
    static func request(_ json: String) throws(MCPError) -> MCPRequest { try MCPRequest(body: Array(json.utf8)) }

    @Test func decodesRequestsAndRefusesNonJSONRPC() throws {
        let call = try Self.request(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get","arguments":{"a":{"b":12}}}}"#)
        #expect(call.method == "tools/call")
        #expect(call.name == "get")
        #expect(call.id == .number(7))
        #expect(MCPResponse.value(at: "a.b", in: call.arguments) == "12")
        #expect(MCPResponse.value(at: "a.c", in: call.arguments) == nil)
        #expect(throws: MCPError.self) { try Self.request("[1,2]") }
        do {
            _ = try Self.request(#"{"jsonrpc":"1.0","id":1,"method":"x"}"#)
            Issue.record("accepted jsonrpc 1.0")
        } catch {
            #expect(error.code == -32600)
            #expect(error.id == .number(1))
        }
        do {
            _ = try Self.request(#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#)
            Issue.record("accepted array params")
        } catch { #expect(error.code == -32602) }
    }

    @Test func statelessHeadersMustEqualTheBody() throws {
        let call = try Self.request(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get"}}"#)
        try call.checkHeaders(method: "tools/call", name: "get")
        for (method, name) in [("tools/list", "get"), ("tools/call", "export"), ("tools/call", nil)] as [(String?, String?)] {
            do {
                try call.checkHeaders(method: method, name: name)
                Issue.record("accepted \(String(describing: method)) \(String(describing: name))")
            } catch {
                #expect(error.status == 400)
                #expect(error.code == -32020)
            }
        }
        #expect(throws: MCPError.self) { try call.checkHeaders(method: nil, name: "get") }
        let list = try Self.request(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        try list.checkHeaders(method: "tools/list", name: nil)
        #expect(throws: MCPError.self) { try list.checkHeaders(method: "tools/list", name: "get") }
    }

    @Test func filtersToolListsAndBuildsDenials() throws {
        let reply = try JSONDecoder().decode(
            JSONValue.self, from: Data(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"},{"name":"b"},{"x":1}],"nextCursor":"c"}}"#.utf8))
        let filtered = MCPResponse.filterToolList(reply) { $0 == "b" }
        let text = String(decoding: MCPResponse.encode(filtered), as: UTF8.self)
        #expect(text == #"{"id":1,"jsonrpc":"2.0","result":{"nextCursor":"c","tools":[{"name":"b"}]}}"#)

        let denial = String(decoding: MCPResponse.denied(id: .number(3), reason: "explicitly_denied", rule: "tools[0].deny[export]", policy: "p", version: 2), as: UTF8.self)
        #expect(denial.contains(#""isError":true"#))
        #expect(denial.contains(#""structuredContent":{"policy":"p","reason":"explicitly_denied","rule":"tools[0].deny[export]","version":2}"#), "\(denial)")

        let mapped = MCPResponse.mapStrings(.object(["a": .array([.string("xSECRETx"), .number(1)])])) { $0.replacingOccurrences(of: "SECRET", with: "*") }
        #expect(mapped == .object(["a": .array([.string("x*x"), .number(1)])]))
    }

    @Test func methodAndToolNameAreBoundedBeforeAnythingRecordsThem() throws {
        let longName = String(repeating: "n", count: MCPRequest.maxNameBytes + 1)
        let body = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"\#(longName)","arguments":{}}}"#
        #expect(throws: MCPError.self) { try MCPRequest(body: Array(body.utf8)) }
        do { _ = try MCPRequest(body: Array(body.utf8)) } catch {
            #expect(error.code == -32602 && error.message.contains("params.name") && !error.message.contains(longName))
            #expect(error.id == .number(7))
        }
        let fits = #"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"\#(String(longName.dropLast()))"}}"#
        #expect(try MCPRequest(body: Array(fits.utf8)).name?.utf8.count == MCPRequest.maxNameBytes)
        let longMethod = #"{"jsonrpc":"2.0","id":9,"method":"\#(String(repeating: "m", count: 129))"}"#
        do { _ = try MCPRequest(body: Array(longMethod.utf8)) } catch { #expect(error.code == -32600 && error.message.contains("method")) }
        // A header that disagrees is named, but never echoed at full length.
        let request = try MCPRequest(body: Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8))
        do { try request.checkHeaders(method: String(repeating: "h", count: 100_000), name: nil) } catch {
            #expect(error.message.utf8.count < 400)
        }
    }
}
