import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing

/// The mTLS listener over real TLS on loopback: X.509-SVID client certificates.
@Suite struct MTLSListenerTests {
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#

    /// Sends one request with `client` as the client certificate (nil: none).
    static func send(
        port: Int, ca: WorkloadTestCA, client: WorkloadTestCA.Issued?, path: String = "/v1/chat/completions", body: String? = chat
    ) async throws -> (status: Int, text: String) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: try ca.certificate.serializeAsPEM().derBytes, format: .der)])
        tls.certificateVerification = .noHostnameVerification
        if let client {
            tls.certificateChain = [.certificate(client.nioCertificate)]
            tls.privateKey = .privateKey(client.nioKey)
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
            if let body {
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await http.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            try await http.shutdown()
            return (Int(response.status.code), String(buffer: bytes))
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    @Test func registeredSVIDIsServedUnregisteredGets401() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let gateway = try await WorkloadGateway.start(cas: [ca], mtls: true)
        do {
            try await gateway.register("spiffe://prod/agent/a")
            let port = try await gateway.mtlsPort()
            let served = try await Self.send(port: port, ca: ca, client: try ca.issueSVID(uris: ["spiffe://prod/agent/a"]))
            #expect(served.status == 200, "\(served.text)")

            let stranger = try await Self.send(port: port, ca: ca, client: try ca.issueSVID(uris: ["spiffe://prod/agent/b"]))
            #expect(stranger.status == 401)
            #expect(stranger.text.contains("unknown_workload"), "\(stranger.text)")
            #expect(stranger.text.contains("spiffe://prod/agent/b"))

            // The same routes: /v1/models answers too.
            let models = try await Self.send(port: port, ca: ca, client: try ca.issueSVID(uris: ["spiffe://prod/agent/a"]), path: "/v1/models", body: nil)
            #expect(models.status == 200 && models.text.contains("fast"), "\(models.text)")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func badSVIDsFailTheHandshake() async throws {
        let prod = try WorkloadTestCA(trustDomain: "prod")
        let staging = try WorkloadTestCA(trustDomain: "staging")
        let gateway = try await WorkloadGateway.start(cas: [prod, staging], mtls: true)
        do {
            try await gateway.register("spiffe://prod/agent/a")
            try await gateway.register("spiffe://staging/agent/a")
            let port = try await gateway.mtlsPort()
            let cases: [(String, WorkloadTestCA.Issued?)] = [
                ("two URI SANs", try prod.issueSVID(uris: ["spiffe://prod/agent/a", "spiffe://prod/agent/b"])),
                ("CA leaf", try prod.issueSVID(uris: ["spiffe://prod/agent/a"], isCA: true)),
                ("expired", try prod.issueSVID(uris: ["spiffe://prod/agent/a"], notAfter: -60)),
                ("other domain's CA", try prod.issueSVID(uris: ["spiffe://staging/agent/a"])),
                ("no client certificate", nil),
            ]
            for (name, client) in cases {
                await #expect(throws: (any Error).self, "\(name) must be refused") {
                    _ = try await Self.send(port: port, ca: prod, client: client)
                }
            }
            // Control: the same domain's CA is accepted.
            let staged = try await Self.send(port: port, ca: prod, client: try staging.issueSVID(uris: ["spiffe://staging/agent/a"]))
            #expect(staged.status == 200, "\(staged.text)")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
