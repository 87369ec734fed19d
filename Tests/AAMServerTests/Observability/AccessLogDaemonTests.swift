import AAMCore
import AAMSecrets
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The real `aamd` as an operator runs it: an access-log line per call on stdout by default,
/// `--access-log off` silences it, and `/metrics` carries process and budget gauges.
@Suite("Access log and operator metrics", .serialized)
struct AccessLogDaemonTests {
    struct Daemon {
        let runner: ProcessRunner
        let base: String
        let key: String
        let directory: URL
    }

    static func start(_ extra: [String]) async throws -> Daemon {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-access-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = try DaemonProcessTests.copySampleConfig(into: directory)
        let key = VirtualKeyFormat.generate()
        let runner = try ProcessRunner(
            "aamd",
            arguments: ["--config", config.path, "--listen", "127.0.0.1:0", "--database", "sqlite:\(directory.path)/aam.db", "--control-socket", "\(directory.path)/c.sock"]
                + extra,
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_DEMO_KEY": key, "AAM_DEMO_MCP_TOKEN": "demo-mcp-token", "AAM_ADMIN_TOKEN": "obs-admin"])
        let listening = try #require(await runner.firstLine(containing: "aamd listening"), "\(runner.allOutput)")
        let port = try #require(listening.components(separatedBy: "127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) }, "\(listening)")
        return Daemon(runner: runner, base: "http://127.0.0.1:\(port)", key: key, directory: directory)
    }

    static func chat(_ daemon: Daemon) async throws -> Int {
        try await DaemonProcessTests.post(daemon.base + "/v1/chat/completions", bearer: daemon.key, json: #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#).status
    }

    @Test func aCallWritesOneJSONAccessLineWithItsFiguresAndNoSecret() async throws {
        let daemon = try await Self.start(["--log-format", "json"])
        defer { try? FileManager.default.removeItem(at: daemon.directory) }
        #expect(try await Self.chat(daemon) == 200)
        let line = try #require(await daemon.runner.firstLine(containing: #""msg":"access""#), "\(daemon.runner.allOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        #expect(object["endpoint"] as? String == "/v1/chat/completions" && object["alias"] as? String == "fast")
        #expect(object["key_id"] as? String == "demo-key" && object["org"] as? String == "acme")
        #expect(object["status"] as? Int == 200 && object["outcome"] as? String == "success")
        #expect((object["prompt_tokens"] as? Int ?? 0) > 0 && (object["completion_tokens"] as? Int ?? 0) > 0)
        #expect((object["latency_ms"] as? Double ?? -1) >= 0)
        #expect((object["request_id"] as? String)?.isEmpty == false && object["provider"] is String)
        // The diagnostic log is JSON too, with millisecond timestamps.
        let listening = try #require(daemon.runner.allOutput.components(separatedBy: "\n").first { $0.contains("aamd listening") })
        let diagnostic = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any], "\(listening)")
        #expect((diagnostic["ts"] as? String)?.count == 24, "2026-12-08T01:23:45.678Z")

        let metrics = try await Self.metrics(daemon)
        for family in ["process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ", "process_max_fds "] {
            #expect(metrics.contains("\n" + family), "\(family) on /metrics")
        }
        // The sample config gives org acme a daily budget of 50M tokens; the call used some.
        let remaining = try #require(
            metrics.components(separatedBy: "\n").first { $0.hasPrefix(#"aam_budget_tokens_remaining{scope_kind="org",scope="acme""#) }, "\(metrics)")
        let left = try #require(remaining.split(separator: " ").last.flatMap { Double($0) })
        #expect(left < 50_000_000 && left > 49_000_000, "\(remaining)")

        daemon.runner.signal(SIGTERM)
        #expect(await daemon.runner.waitForExit() == 0)
        #expect(!daemon.runner.allOutput.contains(daemon.key), "the key's secret never appears")
    }

    @Test func accessLogOffWritesNoLineAndTextFormatIsLogfmt() async throws {
        let off = try await Self.start(["--access-log", "off"])
        defer { try? FileManager.default.removeItem(at: off.directory) }
        #expect(try await Self.chat(off) == 200)
        off.runner.signal(SIGTERM)
        #expect(await off.runner.waitForExit() == 0)
        #expect(!off.runner.allOutput.contains("msg=access"), "\(off.runner.allOutput)")

        // Text format (the default) on stderr: the graceful stop writes the last call's line.
        let text = try await Self.start(["--access-log", "stderr"])
        defer { try? FileManager.default.removeItem(at: text.directory) }
        #expect(try await Self.chat(text) == 200)
        text.runner.signal(SIGTERM)
        #expect(await text.runner.waitForExit() == 0)
        let line = try #require(text.runner.allOutput.components(separatedBy: "\n").first { $0.contains(" msg=access ") }, "\(text.runner.allOutput)")
        #expect(line.contains(" alias=fast ") && line.contains(" status=200 outcome=success ") && line.contains(" key_id=demo-key "), "\(line)")
    }

    @Test func anUnknownDestinationIsRefusedAtStart() async throws {
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--database", "memory", "--listen", "127.0.0.1:0", "--access-log", "/var/log/x"],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64()])
        #expect(await daemon.waitForExit() == 2)
        #expect(daemon.allOutput.contains("--access-log must be stdout, stderr or off, got '/var/log/x'"), "\(daemon.allOutput)")
    }

    static func metrics(_ daemon: Daemon) async throws -> String {
        var request = HTTPClientRequest(url: daemon.base + "/metrics")
        request.headers.add(name: "authorization", value: "Bearer obs-admin")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status == .ok)
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }
}
