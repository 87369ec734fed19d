import AAMConfig
import AAMCore
import Foundation
import Testing

/// A provider's `tls:` and `proxy:` in the config file: relative paths resolve from the config
/// file's folder, the files are read at load (a missing or non-PEM one is an error naming the
/// field), and a proxy on loopback is refused like a loopback `baseURL`.
@Suite struct ProviderEgressConfigTests {
    static let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let key = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aam-egress-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("pki"), withIntermediateDirectories: true)
        try certificate.write(to: folder.appendingPathComponent("pki/ca.pem"), atomically: true, encoding: .utf8)
        try certificate.write(to: folder.appendingPathComponent("pki/client.pem"), atomically: true, encoding: .utf8)
        try key.write(to: folder.appendingPathComponent("pki/client.key"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func tlsFilesAndAProxyAreRead() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = """
            providers:
              - name: corp
                protocol: openai
                baseURL: https://llm.corp.example
                tls: { caFile: pki/ca.pem, clientCert: pki/client.pem, clientKey: \(folder.path)/pki/client.key }
                proxy: http://proxy.corp.example:3128
              - { name: direct, protocol: openai, baseURL: "https://api.openai.com", proxy: none }
            """
        let loaded = try ConfigLoader.load(yaml: yaml, file: folder.appendingPathComponent("aam.yaml").path, environment: [:])
        let corp = try #require(loaded.state.providers["corp"])
        #expect(corp.tls?.caFile == folder.appendingPathComponent("pki/ca.pem").path)
        #expect(corp.tls?.clientKey == folder.path + "/pki/client.key")
        #expect(corp.proxy == "http://proxy.corp.example:3128")
        #expect(loaded.state.providers["direct"]?.proxy == "none")
        #expect(loaded.state.providers["direct"]?.tls == nil)
    }

    @Test func badFilesAndProxiesAreErrorsNamingTheField() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = """
            providers:
              - { name: a, protocol: openai, baseURL: "https://a.example", tls: { caFile: pki/missing.pem } }
              - { name: b, protocol: openai, baseURL: "https://b.example", tls: { caFile: pki/client.key } }
              - { name: c, protocol: openai, baseURL: "https://c.example", tls: { clientCert: pki/client.pem } }
              - { name: d, protocol: openai, baseURL: "https://d.example", tls: { cafile: pki/ca.pem } }
              - { name: e, protocol: openai, baseURL: "https://e.example", proxy: "http://127.0.0.1:3128" }
              - { name: f, protocol: openai, baseURL: "https://f.example", proxy: "http://user:secret@proxy.example:3128" }
            """
        #expect {
            try ConfigLoader.load(yaml: yaml, file: folder.appendingPathComponent("aam.yaml").path, environment: [:])
        } throws: { error in
            let errors = (error as? ConfigErrors)?.errors ?? []
            let fields = Set(errors.map(\.field))
            return fields.isSuperset(of: [
                "providers[0].tls.caFile", "providers[1].tls.caFile", "providers[2].tls.clientKey", "providers[4].proxy", "providers[5].proxy",
            ]) && fields.contains { $0.hasPrefix("providers[3].tls") }
                && !((error as? ConfigErrors)?.description.contains("secret") ?? true)
        }
    }
}
