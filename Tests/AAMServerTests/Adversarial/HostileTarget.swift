import AAMCore
import AAMSecrets
import AAMStorePostgres
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The installation issue 13's attacks are sent to: the real `aamd` executable on its own
/// Postgres database, a fake OpenAI vendor whose key the gateway holds, a fake MCP server whose
/// credential the gateway injects, a virtual key with budgets, and an agent (JWT-SVID) whose
/// policy allows reading accounts, denies exporting them and caps `amount` at 1000.
///
/// Every attack is sent by an outside client over loopback, as an attacker would; what the
/// daemon did is then read from its answers, its admin API, the fakes' logs and Postgres.
struct HostileTarget {
    static let adminToken = "adversarial-admin"
    static let toolCredential = "mcp-cred-Z9q7Kx2VbT4wLm8N"
    static let agent = "spiffe://prod/agent/analyst"
    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: analyst
        spec:
          identity:
            workload: spiffe://prod/agent/analyst
          models:
            allow: [fast, slow]
          budget: { daily_usd: 0.05 }
          tools:
            - resource: salesforce.accounts
              actions: [read, search, create]
              deny: [export]
              constraints:
                create:
                  - { argument: amount, max: 1000 }
        """

    let process: ProcessRunner
    let base: String
    let database: PostgresURL
    let vendor: FakeUpstream
    let mcp: FakeMCPServer
    var agentToken: String
    var key: (id: String, secret: String)
    let directory: URL

    /// Starts everything; `body` runs with it, and everything is stopped afterwards by pid,
    /// whatever `body` throws.
    static func with(_ body: (HostileTarget) async throws -> Void) async throws {
        guard let server = PostgresDaemonTests.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and the adversarial suite needs Postgres: run it through scripts/test")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-hostile-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_hostile")
        let vendor = try await FakeUpstream.start()
        let mcp: FakeMCPServer
        do { mcp = try await FakeMCPServer.start(style: .session) } catch {
            await vendor.stop()
            throw error
        }
        var target: HostileTarget?
        do {
            target = try await start(in: directory, database: database, vendor: vendor, mcp: mcp)
            try await body(try #require(target))
        } catch {
            if let target { _ = await target.stop() }
            await mcp.stop()
            await vendor.stop()
            try? await PostgresDatabaseAdmin.dropDatabase(database, via: server)
            throw error
        }
        if let target { #expect(await target.stop() == 0, "aamd stops cleanly after every attack") }
        await mcp.stop()
        await vendor.stop()
        try? await PostgresDatabaseAdmin.dropDatabase(database, via: server)
    }

    private static func start(in directory: URL, database: PostgresURL, vendor: FakeUpstream, mcp: FakeMCPServer) async throws -> HostileTarget {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let bundles = directory.appendingPathComponent("bundles")
        try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
        try ca.writeBundle(into: bundles)
        let process = try ProcessRunner(
            "aamd",
            arguments: [
                "--listen", "127.0.0.1:0", "--database", database.unmaskedString,
                "--control-socket", directory.appendingPathComponent("control.sock").path,
                "--spool-dir", directory.appendingPathComponent("spool").path,
                "--trust-bundles", bundles.path, "--durability", "batched",
            ] + Self.loopbackUpstreamArguments,
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_ADMIN_TOKEN": adminToken], directory: directory)
        guard let listening = await process.firstLine(containing: "aamd listening"),
            let port = DaemonWorkloadTests.port(in: listening)
        else {
            process.signal(SIGKILL)
            _ = await process.waitForExit()
            throw HarnessError("aamd did not start: \(process.allOutput)")
        }
        let base = "http://127.0.0.1:\(port)"
        var target = HostileTarget(
            process: process, base: base, database: database, vendor: vendor, mcp: mcp, agentToken: "", key: ("", ""),
            directory: directory)
        do {
            try await target.configure(ca: ca)
        } catch {
            _ = await target.stop()
            throw error
        }
        return target
    }

    /// Operator-side flags that let this loopback installation register loopback upstreams
    /// (the SSRF rules refuse them otherwise).
    static let loopbackUpstreamArguments = ["--allow-loopback-upstreams"]

    private mutating func configure(ca: WorkloadTestCA) async throws {
        try await adminOK(.POST, "/admin/providers", #"{"name":"vendor","protocol":"openai","baseURL":"\#(vendor.baseURL)/v1","credential":"\#(vendor.apiKey)"}"#)
        try await adminOK(.POST, "/admin/deployments", #"{"alias":"fast","provider":"vendor","upstreamModel":"gpt-4o-mini"}"#)
        // A slow simulated vendor: a stream long enough to hang up in the middle of.
        try await adminOK(
            .POST, "/admin/providers",
            #"{"name":"sim","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":200,"completionTokens":400,"errorRate":0}}"#)
        try await adminOK(.POST, "/admin/deployments", #"{"alias":"slow","provider":"sim","upstreamModel":"sim-model"}"#)
        try await adminOK(
            .PUT, "/admin/pricing",
            #"[{"provider":"vendor","model":"gpt-4o-mini","inputPerMillion":"10","outputPerMillion":"10","version":"v1"},{"provider":"sim","model":"sim-model","inputPerMillion":"10","outputPerMillion":"10","version":"v1"}]"#)
        let issued = try await admin(.POST, "/admin/keys", #"{"orgId":"acme","name":"attacker","rpm":1000,"budgets":[{"period":"daily","tokens":6000}]}"#)
        let json = try issued.json()
        key = (try #require(json["id"] as? String), try #require(json["key"] as? String))
        try await adminOK(
            .POST, "/admin/workloads",
            #"{"spiffeId":"\#(Self.agent)","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"acme"}"#)
        let applied = try await admin(.PUT, "/admin/policies", Self.policy, contentType: "application/yaml")
        guard (200..<300).contains(applied.status) else { throw HarnessError("policy refused: \(applied.body)") }
        try await adminOK(
            .POST, "/admin/mcp-servers",
            #"{"name":"crm","url":"\#(mcp.url)","credential":"\#(Self.toolCredential)","injection":{"type":"bearer"}}"#)
        let tools = [
            ("get_account", "read"), ("search_accounts", "search"), ("export_accounts", "export"), ("unmapped_tool", "create"),
            ("leak_credential", "read"),
        ]
        for (tool, action) in tools {
            try await adminOK(.POST, "/admin/mcp-servers/crm/tools", #"{"tool":"\#(tool)","resource":"salesforce.accounts","action":"\#(action)"}"#)
        }
        agentToken = try await ca.jwtSVID(subject: Self.agent, expiresIn: 1800)
    }

    // MARK: - Talking to it

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "not a JSON object: \(body.prefix(300))")
        }
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    func admin(_ method: HTTPMethod, _ path: String, _ body: String? = nil, contentType: String = "application/json") async throws -> Reply {
        try await send(
            method, path, body: body.map { Array($0.utf8) },
            headers: [("authorization", "Bearer \(Self.adminToken)"), ("content-type", contentType)])
    }

    @discardableResult
    func adminOK(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> Reply {
        let reply = try await admin(method, path, body)
        guard (200..<300).contains(reply.status) else { throw HarnessError("\(method) \(path): \(reply.status) \(reply.body)") }
        return reply
    }

    /// A data-plane call with the virtual key.
    func chat(_ body: [UInt8], path: String = "/v1/chat/completions") async throws -> Reply {
        try await send(.POST, path, body: body, headers: [("authorization", "Bearer \(key.secret)"), ("content-type", "application/json")])
    }

    func chat(_ json: String, path: String = "/v1/chat/completions") async throws -> Reply {
        try await chat(Array(json.utf8), path: path)
    }

    /// One JSON-RPC message to `/mcp/SERVER` as the agent, inside `session` when given.
    func mcpCall(_ body: String, session: String? = nil, server: String = "crm") async throws -> Reply {
        var headers = [
            ("authorization", "Bearer \(agentToken)"), ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ]
        if let session { headers.append(("Mcp-Session-Id", session)) }
        return try await send(.POST, "/mcp/\(server)", body: Array(body.utf8), headers: headers)
    }

    /// Opens an MCP session as the agent (initialize + initialized) and returns its id.
    func mcpSession(server: String = "crm") async throws -> String {
        let initialize = try await mcpCall(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}"#,
            server: server)
        let session = try #require(initialize.headers.first(name: "mcp-session-id"), "initialize: \(initialize.status) \(initialize.body)")
        _ = try await mcpCall(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: session, server: server)
        return session
    }

    /// `/healthz` answers 200: the daemon survived.
    func isAlive() async -> Bool {
        guard process.process.isRunning, let reply = try? await send(.GET, "/healthz") else { return false }
        return reply.status == 200
    }

    func stop() async -> Int32 {
        process.signal(SIGTERM)
        return await process.waitForExit()
    }
}
