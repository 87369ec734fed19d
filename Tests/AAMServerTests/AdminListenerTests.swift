import AAMCore
import AAMSecrets
import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `--admin-listen`: the admin API and `/metrics` on their own listener, the data listener
/// then serving none of them (404 in the API's error shape), over real loopback HTTP.
@Suite struct AdminListenerTests {
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#

    @Test func adminRoutesAnswerOnlyOnTheAdminPortAndTheDataPlaneOnlyOnTheDataPort() async throws {
        let gateway = try await GatewayHarness.start { $0.adminListen = ListenAddress(host: "127.0.0.1", port: 0) }
        do {
            // Bound before `run` reported the data port: nothing to wait for.
            let adminPort = try #require(gateway.gateway.adminPort)
            let admin = "http://127.0.0.1:\(adminPort)"
            let data = gateway.baseURL
            #expect(adminPort != gateway.gateway.port)

            // The admin API works on its port: a provider, a deployment and a key.
            let simulation = #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":4,"errorRate":0}"#
            for (path, body) in [
                ("/admin/providers", #"{"name":"sim","protocol":"simulated",\#(simulation)}"#),
                ("/admin/deployments", #"{"alias":"fast","provider":"sim","upstreamModel":"m"}"#),
            ] {
                let reply = try await Self.send(.POST, admin + path, token: GatewayHarness.adminToken, body: body)
                #expect(reply.status == 201, "\(path): \(reply.text)")
            }
            let issued = try await Self.send(.POST, admin + "/admin/keys", token: GatewayHarness.adminToken, body: #"{"orgId":"acme"}"#)
            #expect(issued.status == 201, "\(issued.text)")
            let key = try #require(try issued.json()["key"] as? String)
            let providers = try await Self.send(.GET, admin + "/admin/providers", token: GatewayHarness.adminToken)
            #expect(providers.status == 200 && providers.text.contains(#""name":"sim""#), "\(providers.text)")
            let metrics = try await Self.send(.GET, admin + "/metrics")
            #expect(metrics.status == 200 && metrics.text.contains("aam_build_info"), "\(metrics.text.prefix(300))")

            // The data port serves the data plane with that key...
            let served = try await Self.send(.POST, data + "/v1/chat/completions", token: key, body: Self.chat)
            #expect(served.status == 200, "\(served.text)")
            let models = try await Self.send(.GET, data + "/v1/models", token: key)
            #expect(models.status == 200 && models.text.contains(#""fast""#), "\(models.text)")
            // ...and no admin route, not even with the admin token: 404 in the OpenAI error shape.
            for (method, path) in [
                (HTTPMethod.GET, "/admin/providers"), (.POST, "/admin/keys"), (.GET, "/admin/replicas"), (.GET, "/admin/audit"),
                (.GET, "/metrics"),
            ] {
                let reply = try await Self.send(method, data + path, token: GatewayHarness.adminToken, body: method == .POST ? #"{"orgId":"acme"}"# : nil)
                #expect(reply.status == 404, "\(method) \(path) on the data port: \(reply.status) \(reply.text)")
                #expect(try reply.errorCode() == "not_found", "\(reply.text)")
                #expect(try reply.json()["error"] as? [String: Any] != nil)
            }

            // The admin port serves no data plane: 404, in each inbound API's own shape.
            let chatOnAdmin = try await Self.send(.POST, admin + "/v1/chat/completions", token: key, body: Self.chat)
            #expect(chatOnAdmin.status == 404, "\(chatOnAdmin.text)")
            #expect(try chatOnAdmin.errorCode() == "not_found", "\(chatOnAdmin.text)")
            let messagesOnAdmin = try await Self.send(.POST, admin + "/v1/messages", token: key, body: Self.chat)
            #expect(messagesOnAdmin.status == 404, "\(messagesOnAdmin.text)")
            #expect(try messagesOnAdmin.json()["type"] as? String == "error", "\(messagesOnAdmin.text)")
            let modelsOnAdmin = try await Self.send(.GET, admin + "/v1/models", token: key)
            #expect(modelsOnAdmin.status == 404, "\(modelsOnAdmin.text)")

            // Health is on both: a load balancer probes the data port, monitoring the admin port.
            for base in [data, admin] {
                #expect(try await Self.send(.GET, base + "/healthz").status == 200)
                #expect(try await Self.send(.GET, base + "/readyz").status == 200)
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func withoutTheFlagOneListenerServesEverythingAsBefore() async throws {
        try await withGateway { gateway in
            #expect(gateway.gateway.adminPort == nil)
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            let served = try await Self.send(.POST, gateway.baseURL + "/v1/chat/completions", token: key.secret, body: Self.chat)
            #expect(served.status == 200, "\(served.text)")
            #expect(try await gateway.admin(.GET, "/admin/providers").status == 200)
            #expect(try await gateway.send(.GET, "/metrics").status == 200)
            // A known path with the wrong method is still a 405 naming the method allowed.
            let wrongMethod = try await gateway.send(.POST, "/metrics")
            #expect(wrongMethod.status == 405 && wrongMethod.header("allow") == "GET", "\(wrongMethod.text)")
        }
    }

    @Test func aamdTakesTheFlagAndAnnouncesBothAddresses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-admin-listen-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let daemon = try ProcessRunner(
            "aamd",
            arguments: [
                "--database", "memory", "--listen", "127.0.0.1:0", "--admin-listen", "0", "--control-socket", directory.path + "/control.sock",
            ],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_ADMIN_TOKEN": "proc-admin"])
        func port(of line: String?) throws -> Int {
            let address = try #require(line?.split(separator: " ").first { $0.hasPrefix("address=") }, "\(daemon.allOutput)")
            // A bare port is loopback.
            #expect(address.hasPrefix("address=127.0.0.1:"))
            return try #require(address.split(separator: ":").last.flatMap { Int($0) })
        }
        // The admin line comes first: "aamd listening" waits for every listener.
        let adminPort = try port(of: await daemon.firstLine(containing: "aamd admin API listening"))
        let dataPort = try port(of: await daemon.firstLine(containing: "aamd listening"))
        let onAdmin = try await Self.send(.GET, "http://127.0.0.1:\(adminPort)/admin/providers", token: "proc-admin")
        #expect(onAdmin.status == 200, "\(onAdmin.text)")
        let onData = try await Self.send(.GET, "http://127.0.0.1:\(dataPort)/admin/providers", token: "proc-admin")
        #expect(onData.status == 404, "\(onData.text)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.allOutput)")
    }

    @Test func aamdRefusesTheDataPortAsAdminPort() async throws {
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--database", "memory", "--listen", "127.0.0.1:18080", "--admin-listen", "18080"],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64()])
        #expect(await daemon.waitForExit() == 2)
        #expect(daemon.allOutput.contains("aamd: --admin-listen must use another port than --listen (18080)"), "\(daemon.allOutput)")
    }

    @Test func aBarePortIsLoopbackAndBadValuesAreRefusedByName() throws {
        #expect(try ListenAddress.parseAdminListen("9090") == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(try ListenAddress.parseAdminListen("0.0.0.0:9090") == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(try ListenAddress.parseAdminListen("[::1]:9090") == ListenAddress(host: "::1", port: 9090))
        #expect(ListenAddress(host: "::1", port: 9090).description == "[::1]:9090")
        for bad in ["admin", "127.0.0.1", "127.0.0.1:http", "70000", ":9090"] {
            #expect(throws: StartupError.self, "\(bad)") { try ListenAddress.parseAdminListen(bad) }
        }
        do {
            _ = try ListenAddress.parseAdminListen("localhost")
        } catch {
            #expect(error.message == "--admin-listen must be HOST:PORT or PORT (e.g. 127.0.0.1:9090), got 'localhost'")
        }
    }

    static func send(_ method: HTTPMethod, _ url: String, token: String? = nil, body: String? = nil) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let collected = try await response.body.collect(upTo: 8 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(collected.readableBytesView))
    }
}
