import AAMCore
import Foundation
import NIOSSL
import Testing

@testable import AAMStorePostgres

/// `sslmode` and `sslrootcert` read like libpq (issue 13, item 9: the default was `disable`,
/// so the evidence store's password and records crossed the network in clear text).
@Suite("Postgres TLS")
struct PostgresTLSTests {
    @Test(
        "every libpq sslmode is read; the default is prefer",
        arguments: [
            ("", PostgresSSLMode.prefer), ("?sslmode=disable", .disable), ("?sslmode=allow", .allow), ("?sslmode=prefer", .prefer),
            ("?sslmode=require", .require), ("?sslmode=verify-ca", .verifyCA), ("?sslmode=verify-full", .verifyFull),
            ("?application_name=aam&sslmode=require", .require),
        ])
    func modes(query: String, mode: PostgresSSLMode) throws {
        let url = try PostgresURL(parsing: "postgres://aam:hunter2@db.internal:5432/aam" + query)
        #expect(url.sslMode == mode)
        #expect(url.sslRootCert == nil)
        #expect(!url.description.contains("hunter2"))
        #expect(try PostgresURL(parsing: url.unmaskedString) == url, "round trip through the unmasked form")
    }

    @Test func rootCertificateIsReadAndKept() throws {
        let url = try PostgresURL(parsing: "postgres://aam:hunter2@db.internal/aam?sslmode=verify-full&sslrootcert=%2Fetc%2Faam%2Fca%20root.pem")
        #expect(url.sslMode == .verifyFull)
        #expect(url.sslRootCert == "/etc/aam/ca root.pem")
        #expect(try PostgresURL(parsing: url.unmaskedString) == url)
        #expect(url.description == "postgres://aam:***@db.internal:5432/aam")
    }

    @Test("what each mode asks of the server's certificate")
    func verification() throws {
        func tls(_ query: String) throws -> TLSConfiguration? {
            try PostgresTLS.configuration(for: PostgresURL(parsing: "postgres://aam:hunter2@db.internal/aam" + query))
        }
        #expect(try tls("?sslmode=disable") == nil)
        #expect(try tls("")?.certificateVerification == CertificateVerification.none)
        #expect(try tls("?sslmode=allow")?.certificateVerification == CertificateVerification.none)
        #expect(try tls("?sslmode=require")?.certificateVerification == CertificateVerification.none)
        #expect(try tls("?sslmode=verify-ca")?.certificateVerification == .noHostnameVerification)
        #expect(try tls("?sslmode=verify-full")?.certificateVerification == .fullVerification)

        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("aam-pg-ca-\(UUID().uuidString.prefix(8)).pem").path
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: ca))
        defer { try? FileManager.default.removeItem(atPath: ca) }
        // With a root file, require checks the chain (as libpq does).
        let required = try tls("?sslmode=require&sslrootcert=\(ca)")
        #expect(required?.certificateVerification == .noHostnameVerification)
        #expect(required?.trustRoots == .file(ca))
        #expect(try tls("?sslmode=verify-full&sslrootcert=\(ca)")?.trustRoots == .file(ca))
        #expect(try tls("?sslmode=verify-full&sslrootcert=system")?.trustRoots == .default)

        // Client side: the pool and the probe must use TLS for require and above.
        let url = try PostgresURL(parsing: "postgres://aam:hunter2@db.internal/aam?sslmode=require")
        #expect(String(describing: try PostgresTLS.client(for: url)).contains("require"))
    }

    @Test(
        "a setting that cannot be honoured is a clear startup error without the password",
        arguments: [
            ("postgres://aam:hunter2@db.internal/aam?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem", "cannot read the CA file /nonexistent/ca.pem"),
            ("postgres://aam:hunter2@10.0.0.5/aam?sslmode=verify-full", "needs the server's DNS name"),
            ("postgres://aam:hunter2@[::1]/aam?sslmode=verify-full", "needs the server's DNS name"),
        ])
    func unusable(text: String, reason: String) throws {
        let url = try PostgresURL(parsing: text)
        do {
            _ = try PostgresTLS.configuration(for: url)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func anOpenWithAnUnusableSettingFailsBeforeConnecting() async throws {
        do {
            _ = try await PostgresStore.open(url: "postgres://aam:hunter2@192.0.2.1/aam?sslmode=verify-full")
            Issue.record("opened")
        } catch {
            #expect("\(error)".contains("verify-full"), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
