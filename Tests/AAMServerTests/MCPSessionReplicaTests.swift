import AAMCore
import AAMSecrets
import AAMServer
import AAMStorePostgres
import AAMTesting
import Foundation
import Testing

/// Two gateways on one Postgres database with one master key, as replicas behind a load balancer
/// without session affinity, and one fake MCP server: a session initialized on replica A goes on
/// through replica B (policy enforced there, the call recorded there), a tampered id is 404 on
/// both, and a session ended on B is refused on B and on A (through the upstream's 404, and for
/// a stateless upstream through the close announced over Postgres).
@Suite(.serialized) struct MCPSessionReplicaTests {
    static let agent = MCPGatewayTests.agent

    struct Replicas {
        let a: GatewayHarness
        let b: GatewayHarness
        let fake: FakeMCPServer
        let token: String
        let directory: URL

        func stop() async {
            await b.stop()
            await a.stop()
            await fake.stop()
            try? FileManager.default.removeItem(at: directory)
        }

        /// One JSON-RPC message of a session-style client (no stateless headers) to `gateway`.
        func mcp(_ gateway: GatewayHarness, _ method: String, name: String? = nil, id: Int? = 1, session: String?) async throws -> GatewayHarness.Reply {
            let params = name.map { #","params":{"name":"\#($0)","arguments":{"id":"001"}}"# } ?? ""
            let idField = id.map { #","id":\#($0)"# } ?? ""
            var headers = [("accept", "application/json, text/event-stream"), ("authorization", "Bearer \(token)")]
            if let session { headers.append(("Mcp-Session-Id", session)) }
            return try await gateway.send(
                .POST, "/mcp/crm", body: Array(#"{"jsonrpc":"2.0","method":"\#(method)"\#(idField)\#(params)}"#.utf8), headers: headers)
        }

        func delete(_ gateway: GatewayHarness, session: String) async throws -> Int {
            try await gateway.send(.DELETE, "/mcp/crm", headers: [("authorization", "Bearer \(token)"), ("Mcp-Session-Id", session)]).status
        }
    }

    /// Replica A configured through its admin API (workload, policy, the fake as `crm`), then
    /// replica B started on the same database and master key (it reads that configuration).
    static func start(database: String, style: FakeMCPServer.Style) async throws -> Replicas {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let token = try await ca.jwtSVID(subject: agent)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-replicas-\(UUID().uuidString.prefix(12))")
        let bundles = directory.appendingPathComponent("bundles")
        try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
        try ca.writeBundle(into: bundles)
        let master = MasterKey.generateBase64()
        let configure: (String) -> (inout DaemonOptions) -> Void = { replica in
            { options in
                options.workloads.trustBundleDirectory = bundles.path
                options.workloads.bundlePollSeconds = 0.2
                options.replicaId = replica
                // Each replica its own spool (it is locked by its process).
                options.evidence.spoolDirectory = directory.appendingPathComponent("spool-\(replica)").path
            }
        }
        let fake = try await FakeMCPServer.start(style: style)
        let a: GatewayHarness
        do { a = try await GatewayHarness.start(database: database, masterKey: master, configure: configure("replica-a")) } catch {
            await fake.stop()
            throw error
        }
        do {
            try await a.adminOK(
                .POST, "/admin/workloads",
                json: #"{"spiffeId":"\#(agent)","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"acme"}"#)
            let applied = try await a.send(
                .PUT, "/admin/policies", body: Array(MCPGatewayTests.policy.utf8),
                headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", "application/yaml")])
            guard (200..<300).contains(applied.status) else { throw HarnessError("policy refused: \(applied.text)") }
            let version = style == .stateless ? MCPProtocol.statelessVersion : MCPProtocol.sessionVersion
            try await a.adminOK(
                .POST, "/admin/mcp-servers",
                json: #"{"name":"crm","url":"\#(fake.url)","protocolVersion":"\#(version)","credential":"\#(MCPGatewayTests.credential)","injection":{"type":"bearer"}}"#)
            for (tool, action) in [("get_account", "read"), ("search_accounts", "search"), ("export_accounts", "export")] {
                try await a.adminOK(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"\#(tool)","resource":"salesforce.accounts","action":"\#(action)"}"#)
            }
        } catch {
            await a.stop()
            await fake.stop()
            throw error
        }
        let b: GatewayHarness
        do { b = try await GatewayHarness.start(database: database, masterKey: master, configure: configure("replica-b")) } catch {
            await a.stop()
            await fake.stop()
            throw error
        }
        return Replicas(a: a, b: b, fake: fake, token: token, directory: directory)
    }

    @Test(
        .enabled(if: PostgresDaemonTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"),
        arguments: [FakeMCPServer.Style.session, .stateless])
    func aSessionInitializedOnOneReplicaContinuesOnAnother(_ style: FakeMCPServer.Style) async throws {
        guard let server = PostgresDaemonTests.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests")
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_mcprep")
        do {
            let r = try await Self.start(database: scratch.unmaskedString, style: style)
            do {
                try await Self.exercise(r, style: style)
            } catch {
                await r.stop()
                throw error
            }
            await r.stop()
        } catch {
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    static func exercise(_ r: Replicas, style: FakeMCPServer.Style) async throws {
        // Initialize on A.
        let initialize = try await r.mcp(r.a, "initialize", session: nil)
        #expect(initialize.status == 200, "\(initialize.text)")
        let session = try #require(initialize.header("mcp-session-id"))
        #expect(session.count < 512 && !session.contains("="))
        #expect(try await r.mcp(r.a, "notifications/initialized", id: nil, session: session).status == 202)
        let upstreamSession = style == .session ? r.fake.liveSessions.first : nil
        #expect((upstreamSession != nil) == (style == .session), "the client's initialize went upstream")

        // tools/list and tools/call through B with the same id.
        let records = r.b.gateway.runtime.bus.subscribe()
        let list = try await r.mcp(r.b, "tools/list", session: session)
        #expect(list.status == 200, "\(list.text)")
        let tools = try #require(try MCPGatewayTests.result(list)["tools"] as? [[String: Any]])
        #expect(tools.compactMap { $0["name"] as? String }.sorted() == ["get_account", "search_accounts"], "B filters by the policy")

        let allowed = try await r.mcp(r.b, "tools/call", name: "get_account", session: session)
        #expect(allowed.status == 200, "\(allowed.text)")
        let content = try #require(try MCPGatewayTests.result(allowed)["content"] as? [[String: Any]])
        #expect((content.first?["text"] as? String)?.contains("called with Bearer [REDACTED]") == true, "\(allowed.text)")
        let record = try await GatewayHarness.record(try #require(allowed.header("x-request-id")), on: records)
        #expect(record.endpoint == "/mcp/crm" && record.provider == "mcp:crm" && record.upstreamModel == "get_account")
        #expect(record.outcome == .success && record.status == 200)

        let denied = try await r.mcp(r.b, "tools/call", name: "export_accounts", session: session)
        #expect(denied.status == 200, "\(denied.text)")
        #expect(try MCPGatewayTests.result(denied)["isError"] as? Bool == true, "\(denied.text)")
        let deniedRecord = try await GatewayHarness.record(try #require(denied.header("x-request-id")), on: records)
        #expect(deniedRecord.outcome == .rejected && deniedRecord.status == 403)
        #expect(!r.fake.mcpRequests.contains { $0.name == "export_accounts" }, "a denied call reached the tool")

        let upstream = r.fake.mcpRequests
        switch style {
        case .session:
            // B used the client's own upstream session from the id: no handshake of its own.
            #expect(upstream.filter { $0.method == "initialize" }.count == 1, "\(upstream.map { $0.method ?? "-" })")
            #expect(upstream.filter { $0.method != "initialize" }.allSatisfy { $0.headers["mcp-session-id"] == upstreamSession })
            #expect(!upstream.contains { $0.headers["mcp-session-id"] == session }, "the broker's id went upstream")
        case .stateless:
            #expect(upstream.allSatisfy { $0.headers["mcp-session-id"] == nil && $0.method != "initialize" })
        }

        // A tampered id is 404 on either replica (the client initializes again).
        var characters = Array(session)
        characters[characters.count / 2] = characters[characters.count / 2] == "A" ? "B" : "A"
        let tampered = String(characters)
        for gateway in [r.a, r.b] {
            let reply = try await r.mcp(gateway, "tools/list", session: tampered)
            #expect(reply.status == 404, "\(reply.text)")
            #expect(try await r.delete(gateway, session: tampered) == 404)
        }

        // Ended on B: refused on B at once.
        #expect(try await r.delete(r.b, session: session) == 204)
        #expect(try await r.mcp(r.b, "tools/list", session: session).status == 404)
        #expect(try await r.delete(r.b, session: session) == 404)
        switch style {
        case .session:
            // B ended the upstream session too, so A learns of the end from the upstream's 404.
            #expect(r.fake.liveSessions.isEmpty)
            let onA = try await r.mcp(r.a, "tools/list", session: session)
            #expect(onA.status == 404, "\(onA.text)")
        case .stateless:
            // Nothing upstream to end: B's close reaches A over Postgres (`MCPCloseRelay`).
            try await eventually("the close on B refused on A", deadline: .seconds(20)) {
                try await r.mcp(r.a, "tools/list", session: session).status == 404
            }
        }
    }
}
