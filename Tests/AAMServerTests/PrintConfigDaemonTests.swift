import AAMSecrets
import Foundation
import Testing

/// `aamd --print-config`, the real binary: flags, `AAM_…` variables (and `…_FILE` secrets) and
/// the config file resolved with one precedence, each value shown with its source, secrets
/// masked, and nothing opened or bound.
@Suite struct PrintConfigDaemonTests {
    static let pgPassword = "pg-pass-e2e-71"
    static let adminToken = "admin-token-e2e-72"
    static let hecToken = "hec-token-e2e-73"

    /// A scratch folder with a config file and two secret files.
    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aam-print-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        server:
          listen: 127.0.0.1:9123
          database: sqlite:from-the-file.db
          maxBodyBytes: 2048
          logLevel: warning
          spoolFlushMs: 50
          durability: batched
          siemHecUrl: https://siem.example.com:8088/services/collector/event
        """.write(to: folder.appendingPathComponent("aam.yaml"), atomically: true, encoding: .utf8)
        try "\(adminToken)\n".write(to: folder.appendingPathComponent("admin-token"), atomically: true, encoding: .utf8)
        try "\(hecToken)\n".write(to: folder.appendingPathComponent("hec-token"), atomically: true, encoding: .utf8)
        return folder
    }

    static func environment(_ folder: URL, masterKey: String) -> [String: String] {
        [
            "AAM_MASTER_KEY": masterKey,
            "AAM_ADMIN_TOKEN_FILE": folder.appendingPathComponent("admin-token").path,
            "AAM_SIEM_HEC_TOKEN_FILE": folder.appendingPathComponent("hec-token").path,
            "AAM_DATABASE_URL": "postgres://aam:\(pgPassword)@127.0.0.1:1/aam",
            "AAM_MAX_BODY_BYTES": "4096",
            "AAM_LOG_LEVEL": "error",
            "AAM_GUARDRAIL_WINDOW": "",
        ]
    }

    @Test func showsEachValueWithItsSourceAndNoSecret() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let masterKey = MasterKey.generateBase64()
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--config", "aam.yaml", "--log-level", "debug", "--print-config"],
            environment: Self.environment(folder, masterKey: masterKey), directory: folder)
        let status = await daemon.waitForExit(timeout: .seconds(60))
        let output = daemon.allOutput
        #expect(status == 0, "\(output)")
        let lines = Set(output.split(separator: "\n").map(String.init))
        let expected = [
            "config = aam.yaml  (source: flag --config)",
            // flag > env > file
            "log-level = debug  (source: flag --log-level)",
            // env > file (AAM_DATABASE_URL used to lose to server.database)
            "database = postgres://aam:****@127.0.0.1:1/aam  (source: env AAM_DATABASE_URL)",
            "max-body-bytes = 4096  (source: env AAM_MAX_BODY_BYTES)",
            // file > default; an empty variable is unset
            "listen = 127.0.0.1:9123  (source: file server.listen)",
            "spool-flush-ms = 50  (source: file server.spoolFlushMs)",
            "durability = batched  (source: file server.durability)",
            "siem-hec-url = https://siem.example.com:8088/services/collector/event  (source: file server.siemHecUrl)",
            "guardrail-window = 256  (source: default)",
            "access-log = stdout  (source: default)",
            // the test harness passes --allow-loopback-upstreams
            "allow-loopback-upstreams = true  (source: flag --allow-loopback-upstreams)",
            "master-key = ****  (source: env AAM_MASTER_KEY)",
            "admin-token = ****  (source: env AAM_ADMIN_TOKEN_FILE)",
            "siem-hec-token = ****  (source: env AAM_SIEM_HEC_TOKEN_FILE)",
        ]
        for line in expected { #expect(lines.contains(line), "missing \(line) in:\n\(output)") }
        for secret in [Self.pgPassword, Self.adminToken, Self.hecToken, masterKey] {
            #expect(!output.contains(secret), "a secret leaked into --print-config:\n\(output)")
        }
        // Neither the database nor the default data folder was touched.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("aam-data").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("from-the-file.db").path))
    }

    /// A bad value: exit 2 with the same line as a normal start, naming where it came from.
    @Test func aBadValueStopsBothWithTheSameMessage() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = Self.environment(folder, masterKey: MasterKey.generateBase64())
        environment["AAM_SPOOL_FLUSH_MS"] = "0"
        let message = "aamd: --spool-flush-ms must be between 1 and 10000 (from AAM_SPOOL_FLUSH_MS)"
        for arguments in [["--print-config"], []] {
            let daemon = try ProcessRunner("aamd", arguments: ["--config", "aam.yaml"] + arguments, environment: environment, directory: folder)
            let status = await daemon.waitForExit(timeout: .seconds(60))
            #expect(status == 2, "\(arguments): \(daemon.allOutput)")
            #expect(daemon.allOutput.trimmingCharacters(in: .whitespacesAndNewlines) == message, "\(arguments)")
        }
    }

    /// A `…_FILE` that cannot be read stops the start; it never falls back silently.
    @Test func anUnreadableSecretFileIsAnError() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = Self.environment(folder, masterKey: MasterKey.generateBase64())
        environment["AAM_SIEM_HEC_TOKEN_FILE"] = folder.appendingPathComponent("no-such-file").path
        let daemon = try ProcessRunner("aamd", arguments: ["--print-config"], environment: environment, directory: folder)
        #expect(await daemon.waitForExit(timeout: .seconds(60)) == 2)
        #expect(
            daemon.allOutput.contains(
                "aamd: cannot read the SIEM HEC token from AAM_SIEM_HEC_TOKEN_FILE=\(folder.appendingPathComponent("no-such-file").path)"),
            "\(daemon.allOutput)")
    }
}
