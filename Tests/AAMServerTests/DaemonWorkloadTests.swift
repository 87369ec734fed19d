import AAMCore
import AAMSecrets
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Workload identity in the real `aamd` executable: trust bundles reloaded on SIGHUP, the mTLS
/// listener over real TLS, and the flags' validation messages.
@Suite(.serialized) struct DaemonWorkloadTests {
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#
    static let adminToken = "wl-proc-admin"

    @Test func sighupReloadsTrustBundlesRotationRevocationAndBadFiles() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundles = directory.appendingPathComponent("bundles")
        let keyA = try WorkloadTestCA(trustDomain: "prod")
        let keyB = try WorkloadTestCA(trustDomain: "prod")
        // The poller sees names, sizes and mtimes: bundle A and bundle B have the same size and
        // are given the same mtime, so only SIGHUP can make the daemon notice the swap.
        let fixedTime = Date(timeIntervalSince1970: 1_700_000_000)
        try Self.place(keyA.jwtOnlyBundle(), as: "prod.json", in: bundles, modified: fixedTime)

        let daemon = try await Daemon.start(in: directory, arguments: ["--trust-bundles", bundles.path])
        try await daemon.setUpWorkload("spiffe://prod/agent/a")
        try await daemon.setUpWorkload("spiffe://prod/agent/b")
        let tokenA = try await keyA.jwtSVID(subject: "spiffe://prod/agent/a")
        let tokenB = try await keyB.jwtSVID(subject: "spiffe://prod/agent/a")
        let tokenB2 = try await keyB.jwtSVID(subject: "spiffe://prod/agent/b")
        #expect(try await daemon.chat(bearer: tokenA).status == 200)
        #expect(try await daemon.chat(bearer: tokenB).status == 401)

        // Rotation: A's key replaced by B's, announced by SIGHUP only.
        let before = try Self.sizeAndTime(bundles.appendingPathComponent("prod.json"))
        try Self.place(keyB.jwtOnlyBundle(), as: "prod.json", in: bundles, modified: fixedTime)
        #expect(try Self.sizeAndTime(bundles.appendingPathComponent("prod.json")) == before, "invisible to the poller")
        daemon.process.signal(SIGHUP)
        let rotated = try await daemon.eventually(bearer: tokenB) { $0.status == 200 }
        #expect(rotated.status == 200, "\(rotated.body)")
        let old = try await daemon.chat(bearer: tokenA)
        #expect(old.status == 401 && old.body.contains("invalid_svid"), "\(old.body)")

        // A malformed file keeps the previous bundle, and says why in the log.
        try Self.place(Data("{ not json".utf8), as: "prod.json", in: bundles, modified: Date())
        daemon.process.signal(SIGHUP)
        let complaint = try #require(await daemon.line(containing: "trust bundle prod.json"), "\(daemon.process.allOutput)")
        #expect(complaint.contains("is not a JSON object") && complaint.contains("keeping its previous bundle"), "\(complaint)")
        #expect(try await daemon.chat(bearer: tokenB).status == 200)

        // An empty key set revokes the whole trust domain: every workload of it gets 401.
        try Self.place(Data(#"{"keys":[]}"#.utf8), as: "prod.json", in: bundles, modified: Date())
        daemon.process.signal(SIGHUP)
        let revoked = try await daemon.eventually(bearer: tokenB) { $0.status == 401 }
        #expect(revoked.status == 401 && revoked.body.contains("revoked"), "\(revoked.body)")
        let sibling = try await daemon.chat(bearer: tokenB2)
        #expect(sibling.status == 401 && sibling.body.contains("revoked"), "\(sibling.body)")

        #expect(await daemon.stop() == 0)
        for token in [tokenA, tokenB, tokenB2] { #expect(!daemon.process.allOutput.contains(token), "a JWT-SVID never reaches the log") }
    }

    @Test func mtlsListenerServesAValidSVIDAndRefusesOthersInTheHandshake() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundles = directory.appendingPathComponent("bundles")
        try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
        let prod = try WorkloadTestCA(trustDomain: "prod")
        let staging = try WorkloadTestCA(trustDomain: "staging")
        let untrusted = try WorkloadTestCA(trustDomain: "evil")
        try prod.writeBundle(into: bundles)
        try staging.writeBundle(into: bundles)
        let server = try prod.writeServerCertificate(into: directory)

        let daemon = try await Daemon.start(
            in: directory,
            arguments: ["--trust-bundles", bundles.path, "--mtls-listen", "127.0.0.1:0", "--tls-cert", server.cert, "--tls-key", server.key])
        let mtlsLine = try #require(await daemon.line(containing: "aamd mTLS listening"), "\(daemon.process.allOutput)")
        let mtlsPort = try #require(Self.port(in: mtlsLine))
        try await daemon.setUpWorkload("spiffe://prod/agent/a")

        let served = try await MTLSListenerTests.send(port: mtlsPort, ca: prod, client: try prod.issueSVID(uris: ["spiffe://prod/agent/a"]))
        #expect(served.status == 200 && served.text.contains("choices"), "\(served.text)")

        let refused: [(String, WorkloadTestCA.Issued?)] = [
            ("an untrusted trust domain", try untrusted.issueSVID(uris: ["spiffe://evil/agent/a"])),
            ("prod's CA vouching for a staging ID", try prod.issueSVID(uris: ["spiffe://staging/agent/a"])),
            ("no client certificate", nil),
        ]
        for (name, client) in refused {
            await #expect(throws: (any Error).self, "\(name) must fail the handshake") {
                _ = try await MTLSListenerTests.send(port: mtlsPort, ca: prod, client: client)
            }
        }
        let reason = try #require(await daemon.line(containing: "mTLS client refused"), "\(daemon.process.allOutput)")
        #expect(reason.contains("trust domain") || reason.contains("chain"), "the log names the rule: \(reason)")

        #expect(await daemon.stop() == 0)
    }

    @Test func mtlsFlagsAreValidatedWithExitCode2() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let server = try ca.writeServerCertificate(into: directory)
        let notPEM = directory.appendingPathComponent("not.pem")
        try "not a certificate".write(to: notPEM, atomically: true, encoding: .utf8)
        let bundles = ["--trust-bundles", directory.path]
        let cases: [([String], String)] = [
            (["--mtls-listen", "127.0.0.1:0"] + bundles, "aamd: --mtls-listen needs --tls-cert and --tls-key"),
            (["--mtls-listen", "127.0.0.1:0", "--tls-cert", server.cert] + bundles, "aamd: --mtls-listen needs --tls-cert and --tls-key"),
            (["--mtls-listen", "127.0.0.1:0", "--tls-cert", server.cert, "--tls-key", server.key], "aamd: --mtls-listen needs --trust-bundles DIR"),
            (["--mtls-listen", "localhost"] + bundles, "aamd: --mtls-listen must be HOST:PORT"),
            (
                ["--mtls-listen", "127.0.0.1:0", "--tls-cert", notPEM.path, "--tls-key", server.key] + bundles,
                "aamd: cannot load the mTLS listener's certificate"
            ),
            (["--jwt-audience", ""] + bundles, "aamd: --jwt-audience must not be empty"),
        ]
        for (index, (arguments, message)) in cases.enumerated() {
            let scratch = directory.appendingPathComponent("case-\(index)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let daemon = try ProcessRunner(
                "aamd", arguments: Daemon.baseArguments(scratch) + arguments, environment: ["AAM_MASTER_KEY": MasterKey.generateBase64()],
                directory: scratch)
            #expect(await daemon.waitForExit() == 2, "\(arguments)")
            #expect(daemon.allOutput.contains(message), "\(arguments): \(daemon.allOutput)")
        }
    }

    // MARK: - Support

    /// One running `aamd` with its own database, control socket and working directory.
    struct Daemon {
        let process: ProcessRunner
        let base: String

        static func baseArguments(_ directory: URL) -> [String] {
            [
                "--listen", "127.0.0.1:0", "--database", "sqlite:\(directory.path)/aam.db",
                "--control-socket", directory.appendingPathComponent("control.sock").path,
            ]
        }

        static func start(in directory: URL, arguments: [String]) async throws -> Daemon {
            let process = try ProcessRunner(
                "aamd", arguments: baseArguments(directory) + arguments,
                environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_ADMIN_TOKEN": DaemonWorkloadTests.adminToken], directory: directory)
            let listening = try #require(await process.firstLine(containing: "aamd listening"), "\(process.allOutput)")
            let port = try #require(DaemonWorkloadTests.port(in: listening))
            let daemon = Daemon(process: process, base: "http://127.0.0.1:\(port)")
            try await daemon.admin(.POST, "/admin/providers", json: #"{"name":"sim","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":50000,"completionTokens":5,"errorRate":0}}"#)
            try await daemon.admin(.POST, "/admin/deployments", json: #"{"alias":"fast","provider":"sim","upstreamModel":"sim-model"}"#)
            return daemon
        }

        /// Registers `spiffeId` and the AgentPolicy that lets it use `fast` (default-deny otherwise).
        func setUpWorkload(_ spiffeId: String) async throws {
            try await admin(
                .POST, "/admin/workloads",
                json: #"{"spiffeId":"\#(spiffeId)","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"acme"}"#)
            let policy = """
                apiVersion: access.envisionai.dev/v1
                kind: AgentPolicy
                metadata:
                  name: wl-\(spiffeId.split(separator: "/").last ?? "x")
                spec:
                  identity:
                    workload: \(spiffeId)
                  models:
                    allow: [fast]
                """
            try await admin(.PUT, "/admin/policies", body: policy, contentType: "application/yaml")
        }

        func admin(_ method: HTTPMethod, _ path: String, json: String) async throws {
            try await admin(method, path, body: json, contentType: "application/json")
        }

        func admin(_ method: HTTPMethod, _ path: String, body: String, contentType: String) async throws {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(DaemonWorkloadTests.adminToken)")
            request.headers.add(name: "content-type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard (200..<300).contains(Int(response.status.code)) else { throw HarnessError("\(method) \(path): \(response.status.code) \(text)") }
        }

        func chat(bearer token: String) async throws -> (status: Int, body: String) {
            try await DaemonProcessTests.post(base + "/v1/chat/completions", bearer: token, json: DaemonWorkloadTests.chat)
        }

        /// Calls until `done` holds or 15 s pass (the effect of a signal has no reply to await).
        func eventually(bearer token: String, until done: ((status: Int, body: String)) -> Bool) async throws -> (status: Int, body: String) {
            let deadline = ContinuousClock.now + .seconds(15)
            var reply = try await chat(bearer: token)
            while !done(reply), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                reply = try await chat(bearer: token)
            }
            return reply
        }

        /// A line already printed, or the next one printed within 15 s.
        func line(containing marker: String) async -> String? {
            if let seen = process.allOutput.components(separatedBy: "\n").first(where: { $0.contains(marker) }) { return seen }
            return await withTaskGroup(of: String?.self) { group in
                group.addTask { await process.firstLine(containing: marker) }
                group.addTask {
                    try? await Task.sleep(for: .seconds(15))
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }

        func stop() async -> Int32 {
            process.signal(SIGTERM)
            return await process.waitForExit()
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-dwl-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `data` beside `directory`, sets its mtime, then renames it in: the daemon never
    /// sees a half-written file or a passing mtime.
    static func place(_ data: Data, as name: String, in directory: URL, modified: Date) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let staged = directory.deletingLastPathComponent().appendingPathComponent(".staged-\(Identifiers.random(8))")
        try data.write(to: staged)
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: staged.path)
        guard rename(staged.path, directory.appendingPathComponent(name).path) == 0 else { throw HarnessError("rename failed: \(errno)") }
    }

    static func sizeAndTime(_ file: URL) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        return "\(attributes[.size] ?? "?") \(attributes[.modificationDate] ?? "?")"
    }

    /// The port of an `address=HOST:PORT` log field.
    static func port(in line: String) -> Int? {
        let address = line.split(separator: " ").first { $0.hasPrefix("address=") }
        return address?.split(separator: ":").last.flatMap { Int($0) }
    }
}
