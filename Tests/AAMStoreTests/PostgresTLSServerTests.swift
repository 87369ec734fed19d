import AAMStorePostgres
import Foundation
import Synchronization
import Testing

/// `sslmode` against a real server with `ssl=on`, a test CA and a pg_hba.conf that refuses
/// plain TCP (so a connection that works was encrypted): a private server from
/// `scripts/with-postgres --control`, certificates from the `openssl` tool.
@Suite(
    "Postgres TLS against a server",
    .enabled(if: PostgresTestServer.shouldRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
             "needs scripts/with-postgres (AAM_TEST_POSTGRES_URL) and /usr/bin/openssl"))
struct PostgresTLSServerTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in directory: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A CA, a server certificate for `localhost` signed by it, and an unrelated CA.
    static func makeCertificates(in directory: String) throws {
        let openssl = "/usr/bin/openssl"
        for (key, cert, subject) in [("ca.key", "ca.pem", "/CN=aam test CA"), ("other.key", "other.pem", "/CN=other CA")] {
            try #require(try run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", subject], in: directory) == 0)
        }
        try #require(try run(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], in: directory) == 0)
        try Data("subjectAltName=DNS:localhost\n".utf8).write(to: URL(fileURLWithPath: directory + "/ext.cnf"))
        try #require(try run(openssl, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"], in: directory) == 0)
    }

    @Test func eachModeAgainstATLSOnlyServer() async throws {
        let certs = FileManager.default.temporaryDirectory.appendingPathComponent("aam-pgtls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: certs) }
        try Self.makeCertificates(in: certs)

        let server = try await ControlledPostgres.start(root: Self.packageRoot)
        do {
            let data = try #require(server.variables["AAM_TEST_PG_DATA"])
            let owner = server.variables["AAM_TEST_PG_RUNAS"].flatMap { $0.isEmpty ? nil : $0 }
            for file in ["server.crt", "server.key"] {
                let target = data + "/" + file
                try FileManager.default.copyItem(atPath: certs + "/" + file, toPath: target)
                var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
                if let owner { attributes[.ownerAccountName] = owner }
                try FileManager.default.setAttributes(attributes, ofItemAtPath: target)
            }
            let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.auto.conf"))
            try conf.seekToEnd()
            try conf.write(contentsOf: Data("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n".utf8))
            try conf.close()
            // Plain TCP has no pg_hba.conf entry: only TLS connections get in.
            try Data("local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n".utf8)
                .write(to: URL(fileURLWithPath: data + "/pg_hba.conf"))
            try await server.command("stop")
            try await server.command("start")

            let base = try PostgresURL(parsing: server.url)
            func open(_ query: String, host: String = "127.0.0.1") async -> String? {
                var url = base
                url.host = host
                do {
                    let store = try await PostgresStore.open(url: url.unmaskedString.components(separatedBy: "?")[0] + query)
                    await store.close()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            // The default (prefer) and require get in over TLS; disable is refused by the server.
            #expect(await open("") == nil)
            #expect(await open("?sslmode=require") == nil)
            let plain = await open("?sslmode=disable")
            #expect(plain?.contains("no pg_hba.conf entry") == true || plain?.contains("SSL off") == true, "\(plain ?? "connected")")
            // verify-full with the right CA and name; verify-ca with another CA is refused.
            #expect(await open("?sslmode=verify-full&sslrootcert=\(certs)/ca.pem", host: "localhost") == nil)
            #expect(await open("?sslmode=verify-ca&sslrootcert=\(certs)/ca.pem") == nil)
            let wrongCA = await open("?sslmode=verify-ca&sslrootcert=\(certs)/other.pem")
            #expect(wrongCA?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(wrongCA ?? "connected")")
        } catch {
            server.close()
            throw error
        }
        server.close()
    }
}

/// `scripts/with-postgres --control`: a private server this test may reconfigure and restart.
final class ControlledPostgres: Sendable {
    /// Every line the script printed, in order.
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    let url: String
    let variables: [String: String]
    private let input: FileHandle
    private let lines: Lines
    /// Lines up to READY (the variables); answers come after.
    private let answersFrom: Int

    private init(url: String, variables: [String: String], input: FileHandle, lines: Lines, answersFrom: Int) {
        self.url = url
        self.variables = variables
        self.input = input
        self.lines = lines
        self.answersFrom = answersFrom
    }

    static func start(root: URL) async throws -> ControlledPostgres {
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/with-postgres")
        process.arguments = ["--control"]
        process.currentDirectoryURL = root
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let lines = Lines()
        let pending = Mutex<String>("")
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            let complete = pending.withLock { buffer -> [String] in
                buffer += String(decoding: data, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            lines.all.withLock { $0.append(contentsOf: complete) }
        }
        try process.run()
        // No event crosses the pipe: poll for READY, bounded.
        let deadline = ContinuousClock.now + .seconds(90)
        var readyAt: Int?
        while readyAt == nil, ContinuousClock.now < deadline, process.isRunning {
            readyAt = lines.all.withLock { $0.firstIndex(of: "READY") }
            if readyAt == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        var variables: [String: String] = [:]
        for line in lines.all.withLock({ Array($0.prefix(readyAt ?? 0)) }) {
            if let equals = line.firstIndex(of: "=") { variables[String(line[..<equals])] = String(line[line.index(after: equals)...]) }
        }
        guard let readyAt, let url = variables["AAM_TEST_POSTGRES_URL"] else {
            try? stdin.fileHandleForWriting.close()
            throw PostgresStoreError("scripts/with-postgres --control did not start a private server")
        }
        return ControlledPostgres(url: url, variables: variables, input: stdin.fileHandleForWriting, lines: lines, answersFrom: readyAt + 1)
    }

    /// `stop` or `start`, awaiting the script's `ok` (polled: no event crosses the pipe).
    func command(_ word: String) async throws {
        let before = lines.all.withLock { max($0.count, answersFrom) }
        try input.write(contentsOf: Data((word + "\n").utf8))
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let answer = lines.all.withLock({ $0.count > before ? $0[before] : nil }) {
                guard answer == "ok" else { throw PostgresStoreError("private Postgres \(word): \(answer)") }
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PostgresStoreError("private Postgres \(word): no answer within 90 s")
    }

    /// Ends the script's input: it stops the server and removes its directory.
    func close() { try? input.close() }
}
