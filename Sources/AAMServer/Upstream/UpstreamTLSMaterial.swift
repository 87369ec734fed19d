import AAMCore
import NIOSSL

/// Loads a provider's `tls:` files into a client TLS configuration: the system's roots plus
/// `caFile`'s, and `clientCert`/`clientKey` presented when the vendor asks for one.
enum UpstreamTLSMaterial {
    static func configuration(_ settings: UpstreamTLSSettings) throws(UpstreamEgressProblem) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            let roots = try load("tls.caFile", caFile) { try NIOSSLCertificate.fromPEMFile(caFile) }
            guard !roots.isEmpty else { throw UpstreamEgressProblem(field: "tls.caFile", message: "\(caFile) holds no certificate") }
            // In addition to the system's roots (`trustRoots` stays `.default`).
            configuration.additionalTrustRoots = [.certificates(roots)]
        }
        if let certFile = settings.clientCert, let keyFile = settings.clientKey {
            let chain = try load("tls.clientCert", certFile) { try NIOSSLCertificate.fromPEMFile(certFile) }
            let key = try load("tls.clientKey", keyFile) { try NIOSSLPrivateKey(file: keyFile, format: .pem) }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        return configuration
    }

    private static func load<T>(_ field: String, _ path: String, _ body: () throws -> T) throws(UpstreamEgressProblem) -> T {
        do { return try body() } catch { throw UpstreamEgressProblem(field: field, message: "cannot load \(path): \(error)") }
    }
}
