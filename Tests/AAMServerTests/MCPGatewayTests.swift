import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import Testing

/// The MCP gateway `/mcp/{server}` against a real gateway and a fake MCP server over HTTP:
/// policy-filtered `tools/list`, allowed calls carrying the injected credential (never the
/// agent's token), denials as `isError` tool results the upstream never sees, header/body
/// consistency, sessions, redaction of an echoed credential, OAuth token injection.
@Suite struct MCPGatewayTests {
    static let credential = "tool-cred-SECRET-77aa"
    static let agent = "spiffe://prod/agent/analyst"
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
        """

    struct Setup {
        let gateway: WorkloadGateway
        let fake: FakeMCPServer
        let token: String
        let ca: WorkloadTestCA

        func stop() async {
            await gateway.stop()
            await fake.stop()
        }

        /// Sends one JSON-RPC message; `stateless` adds the 2026-07-28 headers (from the body unless overridden).
        func mcp(
            _ method: String, name: String? = nil, id: Int? = 1, server: String = "crm", stateless: Bool = true, session: String? = nil,
            headerName: String? = nil, auth: Bool = true, arguments: String = #"{"id":"001"}"#, bearer: String? = nil
        ) async throws -> GatewayHarness.Reply {
            var params = ""
            if let name { params = #","params":{"name":"\#(name)","arguments":\#(arguments)}"# }
            let idField = id.map { #","id":\#($0)"# } ?? ""
            let body = #"{"jsonrpc":"2.0","method":"\#(method)"\#(idField)\#(params)}"#
            var headers: [(String, String)] = [("accept", "application/json, text/event-stream")]
            if auth { headers.append(("authorization", "Bearer \(bearer ?? token)")) }
            if stateless {
                headers += [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", method)]
                if let value = headerName ?? name { headers.append(("Mcp-Name", value)) }
            }
            if let session { headers.append(("Mcp-Session-Id", session)) }
            return try await gateway.harness.send(.POST, "/mcp/\(server)", body: Array(body.utf8), headers: headers)
        }
    }

    /// A gateway with the analyst workload and policy, and the fake registered as `crm` in `style`.
    static func start(injection: String = #"{"type":"bearer"}"#, sse: Bool = false, style: FakeMCPServer.Style = .session) async throws -> Setup {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let fake = try await FakeMCPServer.start(style: style, sse: sse)
        let gateway: WorkloadGateway
        do { gateway = try await WorkloadGateway.start(cas: [ca], mtls: false) } catch {
            await fake.stop()
            throw error
        }
        let setup = Setup(gateway: gateway, fake: fake, token: try await ca.jwtSVID(subject: agent), ca: ca)
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
            for (tool, action) in [("get_account", "read"), ("search_accounts", "search"), ("export_accounts", "export")] {
                try await h.adminOK(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"\#(tool)","resource":"salesforce.accounts","action":"\#(action)"}"#)
            }
        } catch {
            await setup.stop()
            throw error
        }
        return setup
    }

    /// The `.policyDecision` events for `ids` (published before each answer; bounded wait).
    static func decisions(_ subscription: EventBus.Subscription, ids: Set<String>) async -> [String: PolicyEvidence] {
        await withTaskGroup(of: [String: PolicyEvidence].self) { group in
            group.addTask {
                var found: [String: PolicyEvidence] = [:]
                for await event in subscription.events {
                    if case .policyDecision(let id, let evidence) = event, ids.contains(id) { found[id] = evidence }
                    if found.count == ids.count { break }
                }
                return found
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return [:]
            }
            let first = await group.next() ?? [:]
            group.cancelAll()
            return first
        }
    }

    static func result(_ reply: GatewayHarness.Reply) throws -> [String: Any] {
        try #require(try reply.json()["result"] as? [String: Any], "no result in \(reply.text)")
    }

    @Test func listIsFilteredAllowedCallsCarryTheInjectedCredentialAndDenialsNeverReachTheTool() async throws {
        let s = try await Self.start()
        let events = s.gateway.harness.gateway.runtime.bus.subscribe()
        do {
            let list = try await s.mcp("tools/list")
            #expect(list.status == 200, "\(list.text)")
            let tools = try #require(try Self.result(list)["tools"] as? [[String: Any]])
            #expect(tools.compactMap { $0["name"] as? String }.sorted() == ["get_account", "search_accounts"])

            let allowed = try await s.mcp("tools/call", name: "get_account")
            #expect(allowed.status == 200, "\(allowed.text)")
            let content = try #require(try Self.result(allowed)["content"] as? [[String: Any]])
            let text = try #require(content.first?["text"] as? String)
            #expect(text.contains("called with Bearer [REDACTED]"), "\(text)")
            #expect(!allowed.text.contains(Self.credential))
            let upstreamCall = try #require(s.fake.mcpRequests.first { $0.method == "tools/call" })
            #expect(upstreamCall.headers["authorization"] == "Bearer \(Self.credential)")
            #expect(upstreamCall.name == "get_account")
            #expect(!s.fake.received.contains { $0.headers.values.contains { $0.contains(s.token) } }, "the agent's token went upstream")

            let denied = try await s.mcp("tools/call", name: "export_accounts")
            #expect(denied.status == 200, "\(denied.text)")
            let denial = try Self.result(denied)
            #expect(denial["isError"] as? Bool == true)
            let structured = try #require(denial["structuredContent"] as? [String: Any])
            #expect(structured["reason"] as? String == "explicitly_denied")
            #expect(structured["policy"] as? String == "analyst-tools")
            #expect((structured["rule"] as? String)?.contains("deny") == true, "\(denied.text)")
            // Each decision is evidence: a `.policyDecision` event (kind tool) keyed by the request id.
            let allowedID = try #require(allowed.header("x-request-id"))
            let deniedID = try #require(denied.header("x-request-id"))
            let published = await Self.decisions(events, ids: [allowedID, deniedID])
            #expect(published[allowedID]?.decision == "allow")
            #expect(published[allowedID]?.kind == "tool")
            #expect(published[allowedID]?.resource == "salesforce.accounts")
            #expect(published[allowedID]?.action == "read")
            #expect(published[deniedID]?.decision == "deny")
            #expect(published[deniedID]?.action == "export")
            #expect(published[deniedID]?.spiffeId == Self.agent)
            // ...and a call record, charged to the workload, carrying the same evidence.
            let store = s.gateway.harness.gateway.callStore
            var records: [String: CallRecord] = [:]
            let deadline = ContinuousClock.now + .seconds(10)
            while records.count < 2, ContinuousClock.now < deadline {
                for id in [allowedID, deniedID] where records[id] == nil { records[id] = try await store.call(requestId: id) }
                if records.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
            }
            let allowedRecord = try #require(records[allowedID])
            let deniedRecord = try #require(records[deniedID])
            #expect(allowedRecord.endpoint == "/mcp/crm")
            #expect(allowedRecord.provider == "mcp:crm")
            #expect(allowedRecord.upstreamModel == "get_account")
            #expect(allowedRecord.outcome == .success && allowedRecord.status == 200)
            #expect(allowedRecord.policy?.decision == "allow")
            #expect(deniedRecord.outcome == .rejected && deniedRecord.status == 403)
            #expect(deniedRecord.errorClass == "explicitly_denied")
            #expect(deniedRecord.policy?.action == "export")
            #expect(deniedRecord.keyId == allowedRecord.keyId && deniedRecord.keyId?.contains(Self.agent) == true)
            let unmapped = try Self.result(try await s.mcp("tools/call", name: "unmapped_tool"))
            #expect((unmapped["structuredContent"] as? [String: Any])?["reason"] as? String == "tool_not_mapped")
            #expect(!s.fake.mcpRequests.contains { $0.method == "tools/call" && $0.name != "get_account" }, "a denied call reached the tool")

            let mismatch = try await s.mcp("tools/call", name: "export_accounts", headerName: "get_account")
            #expect(mismatch.status == 400)
            #expect((try mismatch.json()["error"] as? [String: Any])?["code"] as? Int == -32020, "\(mismatch.text)")

            let anonymous = try await s.mcp("tools/list", auth: false)
            #expect(anonymous.status == 401)
            #expect((try anonymous.json()["error"] as? [String: Any])?["code"] as? Int != nil)
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func sessionStyleRequiresTheGatewaysSessionID() async throws {
        let s = try await Self.start()
        do {
            let initialize = try await s.mcp("initialize", stateless: false)
            #expect(initialize.status == 200, "\(initialize.text)")
            let session = try #require(initialize.header("mcp-session-id"))
            #expect(session != "upstream-session-1", "the upstream's session id leaked to the agent")

            #expect(try await s.mcp("tools/list", stateless: false).status == 400)
            #expect(try await s.mcp("tools/list", stateless: false, session: "bogus").status == 404)
            let list = try await s.mcp("tools/list", stateless: false, session: session)
            #expect(list.status == 200, "\(list.text)")
            #expect((try Self.result(list)["tools"] as? [[String: Any]])?.count == 2)
            let upstreamList = try #require(s.fake.mcpRequests.last { $0.method == "tools/list" })
            #expect(upstreamList.headers["mcp-session-id"] == "upstream-session-1")

            // Ending the session: only its own workload may, and the id is then unknown.
            let h = s.gateway.harness
            #expect(try await h.send(.DELETE, "/mcp/crm", headers: [("Mcp-Session-Id", session)]).status == 401)
            let auth = ("authorization", "Bearer \(s.token)")
            #expect(try await h.send(.DELETE, "/mcp/crm", headers: [auth, ("Mcp-Session-Id", session)]).status == 204)
            #expect(try await s.mcp("tools/list", stateless: false, session: session).status == 404)
            #expect(try await h.send(.GET, "/mcp/crm", headers: [auth]).status == 405)
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func oauthClientCredentialsTokenIsFetchedOnceInjectedAndRedacted() async throws {
        let s = try await Self.start(injection: #"{"type":"oauth-client-credentials","tokenURL":"TOKEN_URL","clientId":"aam-broker","scope":"crm.read"}"#)
        do {
            for _ in 0..<2 {
                let reply = try await s.mcp("tools/call", name: "get_account")
                #expect(reply.status == 200, "\(reply.text)")
                #expect(!reply.text.contains("TOKSECRET"), "\(reply.text)")
                #expect(reply.text.contains("[REDACTED]"), "\(reply.text)")
            }
            #expect(s.fake.tokenRequests.count == 1)
            let form = try #require(s.fake.tokenRequests.first?.body)
            #expect(form.contains("grant_type=client_credentials"))
            #expect(form.contains("client_id=aam-broker"))
            #expect(form.contains("client_secret=\(Self.credential)"))
            let calls = s.fake.mcpRequests.filter { $0.method == "tools/call" }
            #expect(calls.count == 2)
            #expect(calls.allSatisfy { $0.headers["authorization"] == "Bearer token-1-TOKSECRET" })
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func customHeaderInjectionReplacesNothingTheAgentSent() async throws {
        let s = try await Self.start(injection: #"{"type":"header","header":"X-Tool-Key"}"#)
        do {
            let reply = try await s.mcp("tools/call", name: "get_account")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.text.contains("called with [REDACTED]"), "\(reply.text)")
            let upstream = try #require(s.fake.mcpRequests.last)
            #expect(upstream.headers["x-tool-key"] == Self.credential)
            #expect(upstream.headers["authorization"] == nil, "the agent's Authorization header went upstream")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func responseGuardrailsApplyAndAMissingResourceIdIsRefused() async throws {
        let s = try await Self.start()
        do {
            let h = s.gateway.harness
            try await h.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"response":{"email":"redact"}}"#)
            let reply = try await s.mcp("tools/call", name: "get_account", arguments: #"{"id":"001","echo":"owner bob@example.com"}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.text.contains("echo: owner"), "\(reply.text)")
            #expect(!reply.text.contains("bob@example.com"), "\(reply.text)")

            try await h.adminOK(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"get_account","resource":"salesforce.accounts","action":"read","resourceIdFrom":"account.id"}"#)
            let before = s.fake.mcpRequests.count
            let missing = try Self.result(try await s.mcp("tools/call", name: "get_account"))
            #expect(missing["isError"] as? Bool == true)
            #expect((missing["structuredContent"] as? [String: Any])?["reason"] as? String == "resource_id_missing:account.id")
            #expect(s.fake.mcpRequests.count == before)
            let named = try await s.mcp("tools/call", name: "get_account", arguments: #"{"account":{"id":"001"}}"#)
            #expect((try Self.result(named))["isError"] as? Bool == false, "\(named.text)")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func anUpstreamAnsweringWithSSEIsRelayedAsJSONFilteredAndScrubbed() async throws {
        let s = try await Self.start(sse: true)
        do {
            let list = try await s.mcp("tools/list")
            #expect(list.status == 200, "\(list.text)")
            #expect((try Self.result(list)["tools"] as? [[String: Any]])?.count == 2, "\(list.text)")
            let call = try await s.mcp("tools/call", name: "search_accounts")
            #expect(call.text.contains("called with Bearer [REDACTED]"), "\(call.text)")
            #expect(!call.text.contains(Self.credential))
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func tokenExchangeSendsTheWorkloadAsSubject() async throws {
        let s = try await Self.start(injection: #"{"type":"token-exchange","tokenURL":"TOKEN_URL","clientId":"aam-broker"}"#)
        do {
            let reply = try await s.mcp("tools/call", name: "search_accounts")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(!reply.text.contains("TOKSECRET"))
            let form = try #require(s.fake.tokenRequests.first?.body)
            #expect(form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"), "\(form)")
            #expect(form.contains("subject_token=spiffe%3A%2F%2Fprod%2Fagent%2Fanalyst"), "\(form)")
            #expect(s.fake.mcpRequests.last?.headers["authorization"] == "Bearer token-1-TOKSECRET")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }
}
