import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import Testing

/// A gateway with the analyst workload, a policy, and the fake MCP server registered as `crm`
/// with the given tool mappings (shared by the duplicate-key and scrubbing suites).
enum MCPTestGateway {
    static let agent = MCPGatewayTests.agent
    static let credential = MCPGatewayTests.credential

    static func start(
        policy: String, tools: [(tool: String, action: String)], injection: String = #"{"type":"bearer"}"#,
        style: FakeMCPServer.Style = .stateless
    ) async throws -> MCPGatewayTests.Setup {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let fake = try await FakeMCPServer.start(style: style)
        let gateway: WorkloadGateway
        do { gateway = try await WorkloadGateway.start(cas: [ca], mtls: false) } catch {
            await fake.stop()
            throw error
        }
        let setup = MCPGatewayTests.Setup(gateway: gateway, fake: fake, token: try await ca.jwtSVID(subject: agent), ca: ca)
        do {
            let h = gateway.harness
            try await h.adminOK(
                .POST, "/admin/workloads",
                json: #"{"spiffeId":"\#(agent)","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"acme"}"#)
            let applied = try await h.send(
                .PUT, "/admin/policies", body: Array(policy.utf8),
                headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", "application/yaml")])
            guard (200..<300).contains(applied.status) else { throw HarnessError("policy refused: \(applied.text)") }
            let resolved = injection.replacingOccurrences(of: "TOKEN_URL", with: fake.tokenURL)
            let version = style == .stateless ? MCPProtocol.statelessVersion : MCPProtocol.sessionVersion
            try await h.adminOK(
                .POST, "/admin/mcp-servers",
                json: #"{"name":"crm","url":"\#(fake.url)","protocolVersion":"\#(version)","credential":"\#(credential)","injection":\#(resolved)}"#)
            for (tool, action) in tools {
                try await h.adminOK(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"\#(tool)","resource":"salesforce.accounts","action":"\#(action)"}"#)
            }
        } catch {
            await setup.stop()
            throw error
        }
        return setup
    }

    /// POSTs `body` as is, with the stateless headers a client would derive from its own reading.
    static func send(_ s: MCPGatewayTests.Setup, _ body: String, method: String, name: String?) async throws -> GatewayHarness.Reply {
        var headers: [(String, String)] = [
            ("accept", "application/json, text/event-stream"), ("authorization", "Bearer \(s.token)"),
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", method),
        ]
        if let name { headers.append(("Mcp-Name", name)) }
        return try await s.gateway.harness.send(.POST, "/mcp/crm", body: Array(body.utf8), headers: headers)
    }
}

/// Issue 13, item 1: the MCP gateway decided on a first-wins parse and forwarded the bytes to
/// last-wins servers. Each attack from the issue, sent as is: the request is refused with a
/// JSON-RPC error naming the key, nothing reaches the MCP server, and the refusal is a call
/// record (outcome `rejected`, error class `duplicate_json_key`).
@Suite struct MCPDuplicateKeyTests {
    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: analyst-tools
        spec:
          identity:
            workload: spiffe://prod/agent/analyst
          tools:
            - resource: salesforce.accounts
              actions: [read, search]
              deny: [export]
              constraints:
                search:
                  - { argument: amount, max: 100 }
        """
    static let tools = [(tool: "get_account", action: "read"), (tool: "search_accounts", action: "search"), (tool: "export_accounts", action: "export")]

    struct Attack: Sendable, CustomStringConvertible {
        var description: String
        var body: String
        var method: String
        var name: String?
        var key: String
    }

    static let attacks: [Attack] = [
        Attack(
            description: "method twice: ping judged, tools/call run",
            body: #"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"export_accounts","arguments":{"id":"001"}}}"#,
            method: "ping", name: "export_accounts", key: "method"),
        Attack(
            description: "params.name twice: allowed tool recorded, denied tool run",
            body: #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_account","name":"export_accounts","arguments":{"id":"001"}}}"#,
            method: "tools/call", name: "get_account", key: "name"),
        Attack(
            description: "an argument twice: 5 judged against max 100, 999999 run",
            body: #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_accounts","arguments":{"amount":5,"amount":999999}}}"#,
            method: "tools/call", name: "search_accounts", key: "amount"),
        Attack(
            description: "method in another case (Go servers match fields case-insensitively)",
            body: #"{"jsonrpc":"2.0","id":4,"method":"ping","METHOD":"tools/call","params":{"name":"export_accounts","arguments":{}}}"#,
            method: "ping", name: "export_accounts", key: "METHOD"),
        Attack(
            description: "an escaped spelling of the tool name key",
            body: #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_account","n\u0061me":"export_accounts","arguments":{}}}"#,
            method: "tools/call", name: "get_account", key: "name"),
    ]

    @Test func everyDuplicateKeyAttackIsRefusedRecordedAndNeverReachesTheTool() async throws {
        let s = try await MCPTestGateway.start(policy: Self.policy, tools: Self.tools)
        let subscription = s.gateway.harness.gateway.runtime.bus.subscribe()
        defer { subscription.cancel() }
        do {
            // The constraint is live: honest calls are judged as expected.
            let honest = try await MCPTestGateway.send(
                s, #"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"search_accounts","arguments":{"amount":5}}}"#,
                method: "tools/call", name: "search_accounts")
            #expect(try MCPGatewayTests.result(honest)["isError"] as? Bool == false, "\(honest.text)")
            let over = try await MCPTestGateway.send(
                s, #"{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"search_accounts","arguments":{"amount":999999}}}"#,
                method: "tools/call", name: "search_accounts")
            #expect(try MCPGatewayTests.result(over)["isError"] as? Bool == true, "\(over.text)")
            let reachedBefore = s.fake.mcpRequests.count
            #expect(reachedBefore == 1, "only the honest allowed call reaches the tool")

            for attack in Self.attacks {
                let reply = try await MCPTestGateway.send(s, attack.body, method: attack.method, name: attack.name)
                #expect(reply.status == 400, "\(attack): \(reply.text)")
                let error = try #require(try reply.json()["error"] as? [String: Any], "\(attack): \(reply.text)")
                #expect(error["code"] as? Int == -32600, "\(attack)")
                let message = error["message"] as? String ?? ""
                #expect(message.contains("duplicate key \"\(attack.key)\""), "\(attack): \(message)")
                let requestID = try #require(reply.header("x-request-id"))
                let record = try await GatewayHarness.record(requestID, on: subscription)
                #expect(record.outcome == .rejected, "\(attack)")
                #expect(record.status == 400, "\(attack)")
                #expect(record.errorClass == "duplicate_json_key", "\(attack)")
                #expect(record.endpoint == "/mcp/crm", "\(attack)")
                #expect(record.keyId?.contains(MCPTestGateway.agent) == true, "\(attack): the refusal is charged to the workload")
            }
            #expect(s.fake.mcpRequests.count == reachedBefore, "an ambiguous request reached the MCP server")
            #expect(!s.fake.mcpRequests.contains { $0.name == "export_accounts" }, "the denied tool was reached")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }
}
