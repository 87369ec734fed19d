import AAMCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import AAMServer

/// Issue 13 item 9 over real TLS on loopback: an X.509-SVID is re-checked on every request of a
/// keep-alive connection, so bundle revocation, CA rotation and certificate expiry reach a
/// connection that was verified at its handshake.
@Suite struct MTLSKeepAliveTests {
    /// One client, so sequential requests reuse one TLS connection. A request that got a 401
    /// (not a handshake failure) after the bundle stopped trusting the certificate can only have
    /// used the connection opened before: a new handshake with it is refused.
    struct Connection {
        let http: HTTPClient
        let port: Int

        init(port: Int, ca: WorkloadTestCA, client: WorkloadTestCA.Issued) throws {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: try ca.certificate.serializeAsPEM().derBytes, format: .der)])
            tls.certificateVerification = .noHostnameVerification
            tls.certificateChain = [.certificate(client.nioCertificate)]
            tls.privateKey = .privateKey(client.nioKey)
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
            http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            self.port = port
        }

        func send(_ path: String = "/v1/chat/completions", body: String = MTLSListenerTests.chat) async throws -> (status: Int, text: String) {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "accept", value: "application/json, text/event-stream")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await http.execute(request, timeout: .seconds(15))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: bytes))
        }

        func close() async { try? await http.shutdown() }
    }

    static func reload(_ gateway: WorkloadGateway) {
        // What SIGHUP runs (the in-process harness does not trap signals).
        var logger = Logger(label: "test-reload")
        logger.logLevel = .critical
        TrustBundleReloader.loadNow(directory: gateway.bundleDirectory.path, into: gateway.harness.gateway.runtime.workloadTrust.bundles, logger: logger)
    }

    @Test func revokingTheBundleRefusesTheNextRequestOnTheSameConnection() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: true) { gateway in
            try await gateway.register("spiffe://prod/agent/a")
            let connection = try Connection(port: try await gateway.mtlsPort(), ca: ca, client: try ca.issueSVID(uris: ["spiffe://prod/agent/a"]))
            do {
                #expect(try await connection.send().status == 200)
                #expect(try await connection.send().status == 200)
                // A reload that changes nothing for this SVID: still served.
                Self.reload(gateway)
                #expect(try await connection.send().status == 200)

                try ca.writeBundle(into: gateway.bundleDirectory, empty: true)
                Self.reload(gateway)
                let refused = try await connection.send()
                #expect(refused.status == 401, "\(refused.text)")
                #expect(refused.text.contains(#""code":"invalid_svid""#), "\(refused.text)")
                #expect(refused.text.contains("revoked"), "\(refused.text)")
                // MCP on the same connection: a JSON-RPC error naming the reason.
                let mcp = try await connection.send("/mcp/crm", body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
                #expect(mcp.status == 401, "\(mcp.text)")
                #expect(mcp.text.contains(#""jsonrpc":"2.0""#) && mcp.text.contains("-32001") && mcp.text.contains("revoked"), "\(mcp.text)")

                // Trusting the CA again serves the connection again (the verdict was per generation).
                try ca.writeBundle(into: gateway.bundleDirectory)
                Self.reload(gateway)
                #expect(try await connection.send().status == 200)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    @Test func rotatingTheCARefusesTheOldCertificatesConnection() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: true) { gateway in
            try await gateway.register("spiffe://prod/agent/a")
            let connection = try Connection(port: try await gateway.mtlsPort(), ca: ca, client: try ca.issueSVID(uris: ["spiffe://prod/agent/a"]))
            do {
                #expect(try await connection.send().status == 200)
                try WorkloadTestCA(trustDomain: "prod").writeBundle(into: gateway.bundleDirectory)
                Self.reload(gateway)
                let refused = try await connection.send()
                #expect(refused.status == 401, "\(refused.text)")
                #expect(refused.text.contains("does not chain"), "\(refused.text)")
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    @Test func aCertificateExpiringMidConnectionIsRefused() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        // Issued before the gateway starts and next to the clock's start: on a loaded machine the
        // start can take longer than the certificate's lifetime in real time.
        let svid = try ca.issueSVID(uris: ["spiffe://prod/agent/a"], notAfter: 60)
        let clock = ManualClock(Date())
        try await WorkloadGateway.with(cas: [ca], mtls: true, configure: { $0.clock = clock }) { gateway in
            try await gateway.register("spiffe://prod/agent/a")
            let connection = try Connection(port: try await gateway.mtlsPort(), ca: ca, client: svid)
            do {
                #expect(try await connection.send().status == 200)
                clock.advance(by: 30)
                #expect(try await connection.send().status == 200)
                clock.advance(by: 60)
                let refused = try await connection.send()
                #expect(refused.status == 401, "\(refused.text)")
                #expect(refused.text.contains(#""code":"invalid_svid""#) && refused.text.contains("expired"), "\(refused.text)")
                let mcp = try await connection.send("/mcp/crm", body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
                #expect(mcp.status == 401 && mcp.text.contains("-32001") && mcp.text.contains("expired"), "\(mcp.text)")
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }
}
