import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import Testing

/// The client's protocol style and the upstream's are independent: all four combinations
/// against a fake that rejects any request breaking its own style, so passing proves the broker
/// bridged (its own handshake for a stateless client, the stateless headers for a stateless
/// upstream, sessions per identity, one re-initialize after an upstream 404, DELETE, SSE).
@Suite struct MCPBridgingTests {
    typealias Setup = MCPGatewayTests.Setup

    struct Combination: Sendable, CustomTestStringConvertible {
        var statelessClient: Bool
        var upstream: FakeMCPServer.Style
        var testDescription: String { "\(statelessClient ? "stateless" : "session") client, \(upstream) upstream" }
    }

    static let combinations = [
        Combination(statelessClient: false, upstream: .session), Combination(statelessClient: false, upstream: .stateless),
        Combination(statelessClient: true, upstream: .session), Combination(statelessClient: true, upstream: .stateless),
    ]

    /// A session-style client's handshake (initialize, notifications/initialized); nil for a stateless client.
    static func handshake(_ s: Setup, stateless: Bool, bearer: String? = nil) async throws -> String? {
        guard !stateless else { return nil }
        let initialize = try await s.mcp("initialize", stateless: false, bearer: bearer)
        #expect(initialize.status == 200, "\(initialize.text)")
        let result = try MCPGatewayTests.result(initialize)
        #expect(result["protocolVersion"] as? String == MCPProtocol.sessionVersion)
        let session = try #require(initialize.header("mcp-session-id"))
        let ack = try await s.mcp("notifications/initialized", id: nil, stateless: false, session: session, bearer: bearer)
        #expect(ack.status == 202, "\(ack.text)")
        return session
    }

    @Test(arguments: combinations) func listCallAndDenialAcrossStyles(_ c: Combination) async throws {
        let s = try await MCPGatewayTests.start(style: c.upstream)
        do {
            let session = try await Self.handshake(s, stateless: c.statelessClient)
            let list = try await s.mcp("tools/list", stateless: c.statelessClient, session: session)
            #expect(list.status == 200, "\(list.text)")
            let tools = try #require(try MCPGatewayTests.result(list)["tools"] as? [[String: Any]], "\(list.text)")
            #expect(tools.compactMap { $0["name"] as? String }.sorted() == ["get_account", "search_accounts"])

            let allowed = try await s.mcp("tools/call", name: "get_account", stateless: c.statelessClient, session: session)
            #expect(allowed.status == 200, "\(allowed.text)")
            #expect(allowed.text.contains("called with Bearer [REDACTED]"), "\(allowed.text)")
            let call = try #require(s.fake.mcpRequests.first { $0.method == "tools/call" })
            #expect(call.headers["authorization"] == "Bearer \(MCPGatewayTests.credential)")

            let denied = try await s.mcp("tools/call", name: "export_accounts", stateless: c.statelessClient, session: session)
            #expect(try MCPGatewayTests.result(denied)["isError"] as? Bool == true, "\(denied.text)")
            #expect(!s.fake.mcpRequests.contains { $0.name == "export_accounts" }, "a denied call reached the tool")

            let upstream = s.fake.mcpRequests
            switch c.upstream {
            case .session:
                // One upstream handshake (the client's own, or the broker's), then that session throughout.
                #expect(upstream.filter { $0.method == "initialize" }.count == 1)
                let live = s.fake.liveSessions
                #expect(live.count == 1)
                let rest = upstream.filter { $0.method != "initialize" }
                #expect(rest.first?.method == "notifications/initialized")
                #expect(rest.allSatisfy { $0.headers["mcp-session-id"].map(live.contains) == true }, "\(rest.map(\.headers))")
                if let session { #expect(!live.contains(session), "the broker's session id went upstream") }
            case .stateless:
                #expect(!upstream.contains { $0.method == "initialize" || $0.method == "notifications/initialized" })
                #expect(upstream.allSatisfy { $0.headers["mcp-session-id"] == nil && $0.headers["mcp-method"] == $0.method })
                #expect(upstream.allSatisfy { $0.headers["mcp-protocol-version"] == MCPProtocol.statelessVersion })
            }
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func statelessClientsGetOneUpstreamSessionPerIdentityAndOneReinitializeAfterA404() async throws {
        let s = try await MCPGatewayTests.start(style: .session)
        do {
            let h = s.gateway.harness
            let other = "spiffe://prod/agent/other"
            try await h.adminOK(
                .POST, "/admin/workloads",
                json: #"{"spiffeId":"\#(other)","owner":"bob","team":"finance","environment":"prod","deployment":"other-v1","orgId":"acme"}"#)
            let policy = MCPGatewayTests.policy.replacingOccurrences(of: "analyst-tools", with: "other-tools")
                .replacingOccurrences(of: MCPGatewayTests.agent, with: other)
            let applied = try await h.send(
                .PUT, "/admin/policies", body: Array(policy.utf8),
                headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", "application/yaml")])
            #expect((200..<300).contains(applied.status), "\(applied.text)")
            let otherToken = try await s.ca.jwtSVID(subject: other)

            for _ in 0..<3 { #expect(try await s.mcp("tools/call", name: "get_account").status == 200) }
            #expect(try await s.mcp("tools/list", bearer: otherToken).status == 200)
            let initializes = s.fake.mcpRequests.filter { $0.method == "initialize" }
            #expect(initializes.count == 2, "one handshake per identity, reused")
            let calls = s.fake.mcpRequests.filter { $0.method == "tools/call" }
            let list = try #require(s.fake.mcpRequests.last { $0.method == "tools/list" })
            #expect(Set(calls.compactMap { $0.headers["mcp-session-id"] }).count == 1)
            #expect(list.headers["mcp-session-id"] != calls.first?.headers["mcp-session-id"], "upstream state shared between identities")

            // The upstream forgets its sessions: one fresh handshake, the call still succeeds.
            s.fake.expireSessions()
            let after = try await s.mcp("tools/call", name: "search_accounts")
            #expect(after.status == 200, "\(after.text)")
            #expect(after.text.contains("ok search_accounts"), "\(after.text)")
            #expect(s.fake.mcpRequests.filter { $0.method == "initialize" }.count == 3)
            #expect(s.fake.mcpRequests.filter { $0.method == "tools/call" && $0.name == "search_accounts" }.count == 2, "one 404, one retry")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    @Test func sessionClientsLearnOfAnExpiredUpstreamSessionAndDeleteEndsBothSessions() async throws {
        let s = try await MCPGatewayTests.start(style: .session)
        do {
            let first = try #require(try await Self.handshake(s, stateless: false))
            #expect(try await s.mcp("tools/list", stateless: false, session: first).status == 200)
            s.fake.expireSessions()
            let gone = try await s.mcp("tools/list", stateless: false, session: first)
            #expect(gone.status == 404, "\(gone.text)")
            #expect(try await s.mcp("tools/list", stateless: false, session: first).status == 404, "the broker session ended with it")

            let second = try #require(try await Self.handshake(s, stateless: false))
            let upstream = try #require(s.fake.liveSessions.first)
            let h = s.gateway.harness
            let auth = ("authorization", "Bearer \(s.token)")
            #expect(try await h.send(.DELETE, "/mcp/crm", headers: [auth]).status == 400, "no session id")
            #expect(try await h.send(.DELETE, "/mcp/crm", headers: [auth, ("Mcp-Session-Id", second)]).status == 204)
            let deleted = try #require(s.fake.received.last)
            #expect(deleted.path == "/mcp" && deleted.headers["mcp-session-id"] == upstream)
            #expect(deleted.headers["authorization"] == "Bearer \(MCPGatewayTests.credential)")
            #expect(s.fake.liveSessions.isEmpty, "the upstream session was not closed")
            #expect(try await h.send(.DELETE, "/mcp/crm", headers: [auth, ("Mcp-Session-Id", second)]).status == 404)
            let stream = try await h.send(.GET, "/mcp/crm", headers: [auth])
            #expect(stream.status == 405)
            #expect(stream.header("allow") == "POST, DELETE")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }

    /// The SSE fake sends a notification and a request of its own first and keeps the stream open
    /// for 30 s after the response: the broker answers plain JSON as soon as the response is in.
    @Test(arguments: [FakeMCPServer.Style.session, .stateless]) func sseAnswersAreReadUpToTheResponse(_ style: FakeMCPServer.Style) async throws {
        let s = try await MCPGatewayTests.start(sse: true, style: style)
        do {
            let h = s.gateway.harness
            try await h.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"response":{"email":"redact"}}"#)
            let started = ContinuousClock.now
            let call = try await s.mcp("tools/call", name: "get_account", arguments: #"{"id":"001","echo":"owner bob@example.com"}"#)
            #expect(ContinuousClock.now - started < .seconds(20), "waited for the stream to end")
            #expect(call.status == 200, "\(call.text)")
            #expect(call.header("content-type")?.hasPrefix("application/json") == true)
            #expect(call.text.contains("called with Bearer [REDACTED]"), "\(call.text)")
            #expect(!call.text.contains(MCPGatewayTests.credential) && !call.text.contains("bob@example.com"), "\(call.text)")
            #expect(try MCPGatewayTests.result(call)["isError"] as? Bool == false)
            let list = try await s.mcp("tools/list")
            #expect((try MCPGatewayTests.result(list)["tools"] as? [[String: Any]])?.count == 2, "\(list.text)")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }
}
