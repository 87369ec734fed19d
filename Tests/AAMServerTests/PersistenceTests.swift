import AAMCore
import AAMSecrets
import AAMServer
import AAMTesting
import Foundation
import Testing

/// State that must survive a restart (SQLite), sealed credentials under master-key rotation,
/// and the declarative config file.
@Suite("Persistence and secrets", .serialized)
struct PersistenceTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-test-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func configurationKeysAndCallsSurviveARestart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let fake = try await FakeUpstream.start(apiKey: "sk-vendor-persist")
        let master = MasterKey.generateBase64()
        var key = ""
        var firstRequest = ""
        let first = try await GatewayHarness.start(database: database, masterKey: master)
        do {
            try await first.addProvider("vendor", protocol: "openai", baseURL: fake.baseURL, credential: "sk-vendor-persist")
            try await first.addDeployment(alias: "chat", provider: "vendor", model: "gpt-4o-mini")
            key = try await first.issueKey(org: "acme").secret
            let reply = try await first.call("/v1/chat/completions", key: key, json: #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200)
            firstRequest = try #require(reply.header("x-request-id"))
        }
        await first.stop()

        let second = try await GatewayHarness.start(database: database, masterKey: master)
        do {
            let reply = try await second.call("/v1/chat/completions", key: key, json: #"{"model":"chat","messages":[{"role":"user","content":"again"}]}"#)
            #expect(reply.status == 200, "the key, provider credential and deployment survived: \(reply.text)")
            // The record of the call before the restart was flushed at shutdown and is queryable.
            let record = try await second.admin(.GET, "/admin/calls/\(firstRequest)")
            #expect(record.status == 200, "\(record.text)")
            #expect(try record.json()["outcome"] as? String == "success")
            #expect(await fake.receivedRequests().allSatisfy { $0.header("authorization") == "Bearer sk-vendor-persist" })
        }
        await second.stop()

        // The wrong master key cannot open the sealed pepper: the daemon refuses to start, clearly.
        await #expect {
            _ = try await GatewayHarness.start(database: database, masterKey: MasterKey.generateBase64())
        } throws: { error in
            (error as? StartupError)?.message.contains("cannot unseal the stored secrets with this master key") == true
        }
        await fake.stop()
    }

    @Test func masterKeyRewrapKeepsServingAndTheNewKeyOpensEverythingAfterARestart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let fake = try await FakeUpstream.start(apiKey: "sk-vendor-rewrap")
        let oldMaster = MasterKey.generateBase64()
        let newMaster = MasterKey.generateBase64()
        let newKeyFile = directory.appendingPathComponent("new.key").path
        try Data(newMaster.utf8).write(to: URL(fileURLWithPath: newKeyFile))
        var key = ""
        let first = try await GatewayHarness.start(database: database, masterKey: oldMaster)
        do {
            try await first.addProvider("vendor", protocol: "anthropic", baseURL: fake.baseURL, credential: "sk-vendor-rewrap")
            try await first.addDeployment(alias: "chat", provider: "vendor", model: "claude-sonnet-4-20250514")
            key = try await first.issueKey().secret
            let before = try await first.adminOK(.GET, "/admin/providers/vendor")
            let result = try await first.adminOK(.POST, "/admin/master-key/rewrap", json: #"{"newKeyFile":"\#(newKeyFile)"}"#)
            #expect(result["rewrappedCredentials"] as? Int == 1)
            #expect(result["masterKeyId"] as? String == (try MasterKey(base64: newMaster)).id)
            let after = try await first.adminOK(.GET, "/admin/providers/vendor")
            #expect(before["credentialFingerprint"] as? String == after["credentialFingerprint"] as? String)
            let reply = try await first.call("/v1/messages", key: key, json: #"{"model":"chat","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200, "still serving right after the rewrap: \(reply.text)")
        }
        await first.stop()

        await #expect(throws: StartupError.self) {
            _ = try await GatewayHarness.start(database: database, masterKey: oldMaster)
        }
        let second = try await GatewayHarness.start(database: database, masterKey: newMaster)
        let reply = try await second.call("/v1/messages", key: key, json: #"{"model":"chat","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(reply.status == 200, "\(reply.text)")
        await second.stop()
        #expect(await fake.receivedRequests().allSatisfy { $0.header("x-api-key") == "sk-vendor-rewrap" })
        await fake.stop()
    }

    @Test func theSampleConfigServesTheDemoKey() async throws {
        let demoKey = VirtualKeyFormat.generate()
        let config = Self.repositoryRoot.appendingPathComponent("sample-data/aam.yaml").path
        try await withGateway(config: config, environment: ["AAM_DEMO_KEY": demoKey, "AAM_DEMO_MCP_TOKEN": "demo-mcp-token"]) { gateway in
            let models = try await gateway.send(.GET, "/v1/models", headers: [("authorization", "Bearer \(demoKey)")])
            #expect(models.status == 200)
            let ids = (try models.json()["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains("fast"))
            for alias in ["fast", "smart"] {
                let reply = try await gateway.call("/v1/chat/completions", key: demoKey, json: #"{"model":"\#(alias)","messages":[{"role":"user","content":"hello"}]}"#)
                #expect(reply.status == 200, "\(alias): \(reply.text)")
            }
            let embed = try await gateway.call("/v1/embeddings", key: demoKey, json: #"{"model":"embed","input":"hello"}"#)
            #expect(embed.status == 200, "\(embed.text)")
            let providers = try await gateway.admin(.GET, "/admin/providers")
            #expect(providers.text.contains("sim-openai-east"))
            // Re-applying the file (as SIGHUP does) keeps operator state such as a drain.
            try await gateway.adminOK(.POST, "/admin/providers/sim-flaky/drain")
            try await gateway.gateway.applyConfigFile(config)
            let flaky = try await gateway.adminOK(.GET, "/admin/providers/sim-flaky")
            #expect(flaky["drained"] as? Bool == true)
        }
    }
}
