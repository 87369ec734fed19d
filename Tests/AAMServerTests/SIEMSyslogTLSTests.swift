import AAMCore
import AAMServer
import AAMTesting
import Foundation
import NIOCore
import NIOSSL
import Testing

/// Syslog export inside TLS to a real TLS receiver whose certificate is made for the test.
@Suite("SIEM syslog over TLS", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct SIEMSyslogTLSTests {
    /// A self-signed certificate for 127.0.0.1 (its own CA), made with the openssl CLI.
    static func makeCertificate(in directory: URL) throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=aam-test-receiver",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("openssl could not make a certificate") }
        return (cert, key)
    }

    static func tlsReceiver(cert: String, key: String) async throws -> SyslogReceiver {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        return try await SyslogReceiver.start { pipeline in
            try pipeline.addHandler(NIOSSLServerHandler(context: context))
        }
    }

    static func gateway(port: Int, caFile: String?) async throws -> GatewayHarness {
        try await GatewayHarness.start { options in
            try? options.siem.setSyslogTarget("127.0.0.1:\(port)")
            options.siem.syslogTLS = true
            options.siem.syslogCAFile = caFile
            SIEMExportTests.fastSIEM(&options.siem)
        }
    }

    @Test("events arrive through TLS when the receiver's CA is given; an unverifiable receiver gets nothing")
    func tls() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-siem-tls-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (cert, key) = try Self.makeCertificate(in: directory)
        let receiver = try await Self.tlsReceiver(cert: cert, key: key)

        // Without the CA (system roots only) the handshake fails: retried, counted, never delivered.
        let untrusting = try await Self.gateway(port: receiver.port, caFile: nil)
        try await untrusting.addSimulatedAliases(["fast"])
        let refused = try await SIEMExportTests.waitForSink(untrusting, "syslog") { ($0["failures"] as? Int ?? 0) >= 2 }
        #expect(refused["delivered"] as? Int == 0)
        #expect((refused["backlog"] as? Int ?? 0) >= 1)
        #expect(refused["target"] as? String == "tls://127.0.0.1:\(receiver.port)")
        await untrusting.stop()
        #expect(receiver.records.isEmpty)

        let gateway = try await Self.gateway(port: receiver.port, caFile: cert)
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            let reply = try await gateway.expectServed(.chat, model: "fast", key: key.secret)
            let requestID = reply.requestID()
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !receiver.records.contains(where: { $0.parameter("request_id") == requestID }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let call = try #require(receiver.records.first { $0.parameter("request_id") == requestID })
            #expect(call.msgID == "call")
            #expect(call.json?["class_uid"] as? Int == 6003)
            #expect(receiver.malformed.isEmpty)
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }
}
