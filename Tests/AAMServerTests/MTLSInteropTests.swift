import Foundation
import Testing

/// Issue 13 item 10 over real TLS on loopback: an Istio-style X.509-SVID (empty subject,
/// critical URI SAN) is accepted by the mTLS listener; it was refused in the handshake.
@Suite struct MTLSInteropTests {
    @Test func emptySubjectCriticalSANSVIDIsServed() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        try await WorkloadGateway.with(cas: [ca], mtls: true) { gateway in
            try await gateway.register("spiffe://prod/ns/default/sa/analyst")
            let port = try await gateway.mtlsPort()
            let istio = try ca.issueSVID(uris: ["spiffe://prod/ns/default/sa/analyst"], emptySubject: true)
            #expect(istio.certificate.subject.isEmpty)
            let served = try await MTLSListenerTests.send(port: port, ca: ca, client: istio)
            #expect(served.status == 200, "\(served.text)")
            // The leaf rules still hold for this shape: two URI SANs fail the handshake.
            let two = try ca.issueSVID(uris: ["spiffe://prod/ns/default/sa/analyst", "spiffe://prod/x"], emptySubject: true)
            await #expect(throws: (any Error).self) { _ = try await MTLSListenerTests.send(port: port, ca: ca, client: two) }
        }
    }
}
