import Foundation
import Testing

/// Issue 13 item 9 in the real `aamd`: a keep-alive mTLS connection verified at its handshake
/// is refused on its next request once SIGHUP has applied an empty (revoking) bundle.
@Suite struct DaemonMTLSKeepAliveTests {
    @Test func sighupRevocationReachesAnOpenConnection() async throws {
        let directory = try DaemonWorkloadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundles = directory.appendingPathComponent("bundles")
        try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
        let prod = try WorkloadTestCA(trustDomain: "prod")
        try prod.writeBundle(into: bundles)
        let server = try prod.writeServerCertificate(into: directory)
        let daemon = try await DaemonWorkloadTests.Daemon.start(
            in: directory,
            arguments: ["--trust-bundles", bundles.path, "--mtls-listen", "127.0.0.1:0", "--tls-cert", server.cert, "--tls-key", server.key])
        let mtlsLine = try #require(await daemon.line(containing: "aamd mTLS listening"), "\(daemon.process.allOutput)")
        let port = try #require(DaemonWorkloadTests.port(in: mtlsLine))
        try await daemon.setUpWorkload("spiffe://prod/agent/a")

        let connection = try MTLSKeepAliveTests.Connection(port: port, ca: prod, client: try prod.issueSVID(uris: ["spiffe://prod/agent/a"]))
        do {
            #expect(try await connection.send().status == 200)
            #expect(try await connection.send().status == 200)
            try DaemonWorkloadTests.place(Data(#"{"keys":[]}"#.utf8), as: "prod.json", in: bundles, modified: Date())
            daemon.process.signal(SIGHUP)
            // A signal has no reply to await: ask on the same connection until the reload shows
            // (bounded); every answer before it is a 200 from the connection opened earlier.
            let deadline = ContinuousClock.now + .seconds(15)
            var reply = try await connection.send()
            while reply.status == 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                reply = try await connection.send()
            }
            #expect(reply.status == 401 && reply.text.contains("invalid_svid") && reply.text.contains("revoked"), "\(reply.text)")
        } catch {
            await connection.close()
            _ = await daemon.stop()
            throw error
        }
        await connection.close()
        #expect(await daemon.stop() == 0)
    }
}
