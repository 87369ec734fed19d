import AAMCore
import AAMSecrets
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The real `aamd` and `aam` executables, as an operator runs them.
@Suite("Executables", .serialized)
struct DaemonProcessTests {
    static let sampleConfig = PersistenceTests.repositoryRoot.appendingPathComponent("sample-data/aam.yaml").path

    /// Copies the sample config into `directory` with the policy files it names (relative to its
    /// own folder), so a daemon can run on it and rewrite it without touching the repository.
    static func copySampleConfig(into directory: URL) throws -> URL {
        let config = directory.appendingPathComponent("aam.yaml")
        try FileManager.default.copyItem(atPath: sampleConfig, toPath: config.path)
        let policies = (sampleConfig as NSString).deletingLastPathComponent + "/policies"
        try FileManager.default.copyItem(atPath: policies, toPath: directory.appendingPathComponent("policies").path)
        return config
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-proc-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aamdRefusesToStartWithoutAMasterKey() async throws {
        let daemon = try ProcessRunner("aamd", arguments: ["--database", "memory", "--listen", "127.0.0.1:0"], environment: [:])
        #expect(await daemon.waitForExit() == 2)
        #expect(daemon.allOutput.contains("aamd: no master key: set AAM_MASTER_KEY"))
    }

    @Test func aamdReportsABadConfigWithFileLineAndField() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("bad.yaml")
        try "providers:\n  - name: x\n    protocol: opena\n".write(to: config, atomically: true, encoding: .utf8)
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--config", config.path, "--database", "memory", "--listen", "127.0.0.1:0"],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64()])
        #expect(await daemon.waitForExit() == 2)
        #expect(daemon.allOutput.contains("bad.yaml:3:15: providers[0].protocol: unknown protocol 'opena'"), "\(daemon.allOutput)")
    }

    @Test func aamdServesTheSampleConfigReloadsOnSIGHUPAndStopsOnSIGTERM() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.copySampleConfig(into: directory)
        let demoKey = VirtualKeyFormat.generate()
        let daemon = try ProcessRunner(
            "aamd",
            arguments: ["--config", config.path, "--listen", "127.0.0.1:0", "--database", "sqlite:\(directory.path)/aam.db"],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_DEMO_KEY": demoKey, "AAM_DEMO_MCP_TOKEN": "demo-mcp-token", "AAM_ADMIN_TOKEN": "proc-admin"])
        let listening = try #require(await daemon.firstLine(containing: "aamd listening"), "\(daemon.allOutput)")
        let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        let base = "http://127.0.0.1:\(port)"

        let reply = try await Self.post(base + "/v1/chat/completions", bearer: demoKey, json: #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(reply.status == 200)

        // SIGHUP re-applies the file: a new alias becomes routable without a restart.
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "deployments:\n", with: "deployments:\n  - { alias: hot-added, provider: sim-openai-east, upstreamModel: sim-hot }\n")
        text = text.replacingOccurrences(of: "models: [fast, smart, reasoning-high, summarization, embed]", with: "models: [fast, smart, reasoning-high, summarization, embed, hot-added]")
        try text.write(to: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        _ = await daemon.firstLine(containing: "config reloaded")
        let hot = try await Self.post(base + "/v1/chat/completions", bearer: demoKey, json: #"{"model":"hot-added","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(hot.status == 200, "\(hot.body)")

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
        #expect(!daemon.allOutput.contains(demoKey), "the key never appears in the daemon's output")
    }

    @Test func aamConfigCheckAcceptsTheSampleAndNamesTheLineOfAnError() async throws {
        let good = try ProcessRunner(
            "aam", arguments: ["config", "check", Self.sampleConfig], environment: ["AAM_DEMO_KEY": VirtualKeyFormat.generate(), "AAM_DEMO_MCP_TOKEN": "demo-mcp-token"])
        #expect(await good.waitForExit() == 0)
        #expect(good.allOutput.contains("aam.yaml: OK ("))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("typo.yaml")
        try "providers:\n  - name: p\n    protocol: openai\n    baseUrl: https://example.invalid\n".write(to: bad, atomically: true, encoding: .utf8)
        let check = try ProcessRunner("aam", arguments: ["config", "check", bad.path], environment: [:])
        #expect(await check.waitForExit() == 1)
        #expect(check.allOutput.contains("typo.yaml:4:5: providers[0].baseUrl: unknown field 'baseUrl' (did you mean 'baseURL'?)"), "\(check.allOutput)")
    }

    @Test func aamDemoRunsOfflineAndStopsByItself() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try ProcessRunner(
            "aam", arguments: ["demo", "--port", "0", "--duration", "3", "--rate", "10", "--data-dir", directory.path, "--config", Self.sampleConfig],
            environment: [:])
        #expect(await demo.waitForExit(timeout: .seconds(30)) == 0, "\(demo.allOutput)")
        let output = demo.allOutput
        #expect(output.contains("virtual key   sk-aam-"))
        #expect(output.contains("curl -s http://127.0.0.1:"))
        let summary = try #require(output.components(separatedBy: "\n").last { $0.contains(" calls · ") })
        let calls = Int(summary.split(separator: "]").last?.split(separator: " ").first ?? "") ?? 0
        #expect(calls >= 10, "the traffic generator reached the daemon: \(summary)")
    }

    static func post(_ url: String, bearer: String, json: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(bearer)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
