import Foundation
import PostgresNIO

/// The TLS a `PostgresURL` asks for, as PostgresNIO configurations (libpq's `sslmode` rules).
///
/// - `disable`: plain. `allow`, `prefer` (the default): TLS when the server offers it, plain
///   otherwise, the certificate unchecked (as libpq: it guards against passive listening
///   only). `require`: TLS or nothing, unchecked; with `sslrootcert` it checks the chain, as
///   libpq does when a root file is present.
/// - `verify-ca`: TLS, and the certificate chains to `sslrootcert` (a PEM file; absent or
///   `system`, the system's trust store). `verify-full`: also the certificate names the host.
///   PostgresNIO checks the name through SNI, which cannot carry an IP address, so
///   `verify-full` needs a DNS host name: an IP host is refused at start rather than silently
///   checked less.
enum PostgresTLS {
    /// The NIOSSL configuration for `url`; nil for plain connections. Throws
    /// `PostgresStoreError` when the root file cannot be read or `verify-full` names an IP.
    static func configuration(for url: PostgresURL) throws(PostgresStoreError) -> TLSConfiguration? {
        var verify: CertificateVerification
        switch url.sslMode {
        case .disable: return nil
        case .allow, .prefer: verify = .none
        case .require: verify = url.sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA: verify = .noHostnameVerification
        case .verifyFull:
            guard !isIPAddress(url.host) else {
                throw PostgresStoreError(
                    "sslmode=verify-full needs the server's DNS name in the Postgres URL, not the address \(url.host) "
                        + "(use the name on its certificate, or sslmode=verify-ca)")
            }
            verify = .fullVerification
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verify
        if verify != .none, let root = url.sslRootCert, root != "system" {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw PostgresStoreError("sslrootcert: cannot read the CA file \(root)")
            }
            configuration.trustRoots = .file(root)
        }
        return configuration
    }

    /// For the pool (`PostgresClient`).
    static func client(for url: PostgresURL) throws(PostgresStoreError) -> PostgresClient.Configuration.TLS {
        guard let configuration = try configuration(for: url) else { return .disable }
        return mustUseTLS(url.sslMode) ? .require(configuration) : .prefer(configuration)
    }

    /// For one direct connection (`PostgresConnection`).
    static func connection(for url: PostgresURL) throws -> PostgresConnection.Configuration.TLS {
        guard let configuration = try configuration(for: url) else { return .disable }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw PostgresStoreError("cannot set up TLS for the Postgres database at \(url): \(error)")
        }
        return mustUseTLS(url.sslMode) ? .require(context) : .prefer(context)
    }

    private static func mustUseTLS(_ mode: PostgresSSLMode) -> Bool {
        switch mode {
        case .disable, .allow, .prefer: false
        case .require, .verifyCA, .verifyFull: true
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
