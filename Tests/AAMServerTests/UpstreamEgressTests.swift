import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import NIOCore
import NIOSSL
import Testing

/// Issue 17 item 5: vendor calls as an enterprise network wants them. A real TLS vendor on
/// loopback with a certificate made for the test (its own CA), a client-certificate-requiring
/// vendor, and a CONNECT proxy that counts its tunnels; through both upstream clients.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct UpstreamEgressTests {
    /// A scratch folder with a vendor certificate (self-signed: its own CA) and a client one.
    struct Material {
        let directory: URL
        let vendorCert: String
        let vendorKey: String
        let clientCert: String
        let clientKey: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-egress-\(Identifiers.random(8))")
            let vendor = directory.appendingPathComponent("vendor")
            let client = directory.appendingPathComponent("client")
            try FileManager.default.createDirectory(at: vendor, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: client, withIntermediateDirectories: true)
            (vendorCert, vendorKey) = try SIEMSyslogTLSTests.makeCertificate(in: vendor)
            (clientCert, clientKey) = try SIEMSyslogTLSTests.makeCertificate(in: client)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// The vendor's server TLS; with `requireClient`, only the test's client certificate is admitted.
        func vendorTLS(requireClient: Bool = false) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(vendorCert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: vendorKey, format: .pem)))
            if requireClient {
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCert))
            }
            return try NIOSSLContext(configuration: configuration)
        }
    }

    static func request(_ url: String) -> UpstreamRequest {
        UpstreamRequest(
            url: url, headers: [("content-type", "application/json")], body: Array(#"{"model":"m","messages":[]}"#.utf8), stream: false,
            timeoutMs: 60_000)
    }

    static func provider(tls: UpstreamTLSSettings? = nil, proxy: String? = nil) -> ProviderConfig {
        ProviderConfig(name: "vendor", wireProtocol: .openai, baseURL: "https://unused", tls: tls, proxy: proxy)
    }

    static func transport(_ kind: UpstreamClientKind, environment: [String: String] = [:]) -> any OwnedUpstreamTransport {
        var settings = DataPlaneSettings()
        settings.upstreamClient = kind
        return settings.makeUpstreamTransport(environment: environment)
    }

    /// Sends one call and returns its status, or why it failed (any other error as `.connect`).
    static func call(_ transport: any UpstreamTransport, _ url: String, _ provider: ProviderConfig) async -> Result<Int, UpstreamFailure> {
        do {
            let response = try await transport.send(request(url), provider: provider, credential: nil)
            _ = try await response.body.collect(limit: 1 << 20)
            return .success(response.status)
        } catch let failure as UpstreamFailure {
            return .failure(failure)
        } catch {
            return .failure(.connect("unexpected \(error)"))
        }
    }

    /// Runs `body` with the material, a vendor and a proxy, all stopped and removed after.
    static func with(
        requireClient: Bool = false, _ body: (Material, KeepAliveTestServer, ConnectTestProxy) async throws -> Void
    ) async throws {
        let material = try Material()
        let vendor = try await KeepAliveTestServer.start(tls: try material.vendorTLS(requireClient: requireClient))
        let proxy = try await ConnectTestProxy.start()
        do { try await body(material, vendor, proxy) } catch { Issue.record(error) }
        await proxy.stop()
        await vendor.stop()
        material.remove()
    }

    @Test(arguments: UpstreamClientKind.allCases)
    func aProvidersCAFileIsTrustedAndWithoutItTheCallFailsWithATLSError(kind: UpstreamClientKind) async throws {
        try await Self.with { material, vendor, _ in
            let transport = Self.transport(kind)
            let url = "https://127.0.0.1:\(vendor.port)/v1/chat/completions"
            let refused = await Self.call(transport, url, Self.provider())
            guard case .failure(.connect(let reason)) = refused else {
                Issue.record("an unverifiable vendor was called: \(refused)")
                await transport.shutdown()
                return
            }
            #expect(reason.lowercased().contains("certificate") || reason.contains("TLS") || reason.contains("SSL"), "\(reason)")
            #expect(vendor.requests == 0)
            let trusted = Self.provider(tls: UpstreamTLSSettings(caFile: material.vendorCert))
            #expect(await Self.call(transport, url, trusted) == .success(200))
            #expect(await Self.call(transport, url, trusted) == .success(200))
            #expect(vendor.requests == 2)
            #expect((transport as? EgressRoutingTransport)?.clientCount == 1, "one client for the setting, not one per call")
            await transport.shutdown()
        }
    }

    @Test(arguments: UpstreamClientKind.allCases)
    func aVendorThatRequiresAClientCertificateGetsTheProvidersOne(kind: UpstreamClientKind) async throws {
        try await Self.with(requireClient: true) { material, vendor, _ in
            let transport = Self.transport(kind)
            let url = "https://127.0.0.1:\(vendor.port)/v1/chat/completions"
            let anonymous = Self.provider(tls: UpstreamTLSSettings(caFile: material.vendorCert))
            let refused = await Self.call(transport, url, anonymous)
            #expect(refused != .success(200), "admitted without a client certificate")
            let mutual = Self.provider(
                tls: UpstreamTLSSettings(caFile: material.vendorCert, clientCert: material.clientCert, clientKey: material.clientKey))
            #expect(await Self.call(transport, url, mutual) == .success(200))
            #expect(vendor.requests == 1)
            await transport.shutdown()
        }
    }

    @Test(arguments: UpstreamClientKind.allCases)
    func httpsProxyCarriesCallsThroughACONNECTTunnelUnlessNoProxyExemptsTheHost(kind: UpstreamClientKind) async throws {
        try await Self.with { material, vendor, proxy in
            let url = "https://127.0.0.1:\(vendor.port)/v1/chat/completions"
            let trusted = Self.provider(tls: UpstreamTLSSettings(caFile: material.vendorCert))
            let target = "127.0.0.1:\(vendor.port)"

            let proxied = Self.transport(kind, environment: ["HTTPS_PROXY": proxy.url])
            #expect(await Self.call(proxied, url, trusted) == .success(200))
            #expect(proxy.connects == [target])
            // The provider's `proxy: none` goes direct whatever the environment says.
            #expect(await Self.call(proxied, url, Self.provider(tls: trusted.tls, proxy: "none")) == .success(200))
            #expect(proxy.connects == [target])
            await proxied.shutdown()

            for noProxy in ["127.0.0.1", "example.com,127.0.0.1:\(vendor.port)", "*"] {
                let exempt = Self.transport(kind, environment: ["https_proxy": proxy.url, "no_proxy": noProxy])
                #expect(await Self.call(exempt, url, trusted) == .success(200))
                await exempt.shutdown()
            }
            #expect(proxy.connects == [target], "NO_PROXY calls went direct")

            // A NO_PROXY entry for another port does not exempt this one.
            let otherPort = Self.transport(kind, environment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1:1"])
            #expect(await Self.call(otherPort, url, trusted) == .success(200))
            await otherPort.shutdown()
            #expect(proxy.connects == [target, target])

            // The provider's own proxy, with no environment at all.
            let own = Self.transport(kind)
            #expect(await Self.call(own, url, Self.provider(tls: trusted.tls, proxy: proxy.url)) == .success(200))
            await own.shutdown()
            #expect(proxy.connects == [target, target, target])
            #expect(vendor.requests == 7)
        }
    }

    // MARK: Through the gateway

    @Test func aProviderConfiguredOverTheAdminAPICallsItsTLSVendorThroughItsProxy() async throws {
        let material = try Material()
        let fake = try await FakeUpstream.start(apiKey: "fake-key")
        let front = try await TLSFrontTestServer.start(tls: try material.vendorTLS(), backendPort: fake.port)
        let proxy = try await ConnectTestProxy.start()
        do {
            try await withGateway { gateway in
                let refused = try await gateway.admin(
                    .POST, "/admin/providers",
                    json: #"{"name":"bad","protocol":"openai","baseURL":"https://x.example","tls":{"caFile":"/nonexistent/ca.pem"}}"#)
                #expect(refused.status == 400)
                #expect(refused.text.contains("tls.caFile"), "\(refused.text)")
                try await gateway.addProvider(
                    "corp", protocol: "openai", baseURL: front.baseURL, credential: "fake-key",
                    extra: #""tls":{"caFile":"\#(material.vendorCert)"},"proxy":"\#(proxy.url)""#)
                try await gateway.addProvider("plain", protocol: "openai", baseURL: front.baseURL, credential: "fake-key")
                let view = try await gateway.adminOK(.GET, "/admin/providers/corp")
                #expect((view["tls"] as? [String: Any])?["caFile"] as? String == material.vendorCert)
                #expect(view["proxy"] as? String == proxy.url)
                try await gateway.addDeployment(alias: "corp-model", provider: "corp", model: "gpt-4o-mini")
                try await gateway.addDeployment(alias: "plain-model", provider: "plain", model: "gpt-4o-mini")
                let key = try await gateway.issueKey().secret
                let chat = #"{"model":"corp-model","messages":[{"role":"user","content":"hi"}]}"#
                let answered = try await gateway.call("/v1/chat/completions", key: key, json: chat)
                #expect(answered.status == 200, "\(answered.text)")
                #expect(proxy.connects == ["127.0.0.1:\(front.port)"])
                let untrusted = try await gateway.call(
                    "/v1/chat/completions", key: key, json: chat.replacingOccurrences(of: "corp-model", with: "plain-model"))
                #expect(untrusted.status == 503 && untrusted.text.contains("connection_error"), "\(untrusted.text)")
                #expect(proxy.connects.count == 1, "no proxy for a provider without one")
                #expect(await fake.requestCount() == 1, "nothing reached the vendor without its CA")
                // PATCH applies to the very next call: `none` goes direct, `{}` drops the CA again.
                let direct = try await gateway.adminOK(.PATCH, "/admin/providers/corp", json: #"{"proxy":"none"}"#)
                #expect(direct["proxy"] as? String == "none")
                #expect(try await gateway.call("/v1/chat/completions", key: key, json: chat).status == 200)
                #expect(proxy.connects.count == 1)
                try await gateway.adminOK(.PATCH, "/admin/providers/corp", json: #"{"tls":{},"proxy":""}"#)
                let view2 = try await gateway.adminOK(.GET, "/admin/providers/corp")
                #expect(view2["tls"] == nil && view2["proxy"] == nil)
                #expect(try await gateway.call("/v1/chat/completions", key: key, json: chat).status == 503)
                #expect(await fake.requestCount() == 2)
            }
        } catch { Issue.record(error) }
        await proxy.stop()
        await front.stop()
        await fake.stop()
        material.remove()
    }

    @Test func theDaemonsHTTPSProxyEnvironmentCarriesProviderCalls() async throws {
        let material = try Material()
        let fake = try await FakeUpstream.start(apiKey: "fake-key")
        let front = try await TLSFrontTestServer.start(tls: try material.vendorTLS(), backendPort: fake.port)
        let proxy = try await ConnectTestProxy.start()
        do {
            try await withGateway(environment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": "localhost"]) { gateway in
                for (name, host) in [("via-proxy", "127.0.0.1"), ("exempt", "localhost")] {
                    try await gateway.addProvider(
                        name, protocol: "openai", baseURL: "https://\(host):\(front.port)", credential: "fake-key",
                        extra: #""tls":{"caFile":"\#(material.vendorCert)"}"#)
                    try await gateway.addDeployment(alias: name, provider: name, model: "gpt-4o-mini")
                }
                let key = try await gateway.issueKey().secret
                for alias in ["via-proxy", "exempt"] {
                    let reply = try await gateway.call(
                        "/v1/chat/completions", key: key, json: #"{"model":"\#(alias)","messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(reply.status == 200, "\(alias): \(reply.text)")
                }
                #expect(proxy.connects == ["127.0.0.1:\(front.port)"], "only the call NO_PROXY does not exempt is tunnelled")
            }
        } catch { Issue.record(error) }
        await proxy.stop()
        await front.stop()
        await fake.stop()
        material.remove()
    }

    // MARK: Settings

    @Test func noProxyMatchesHostSuffixesPortsAndStar() {
        let rule = EgressProxyRule(environment: ["HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": " .internal.corp, vendor.example:8443 ,[::1]"])
        #expect(rule.httpsProxy == ProxyAddress(parsing: "http://proxy.corp:3128"))
        #expect(rule.proxy(scheme: "https", host: "api.openai.com", port: 443, providerProxy: nil)?.port == 3128)
        #expect(rule.proxy(scheme: "https", host: "llm.internal.corp", port: 443, providerProxy: nil) == nil)
        #expect(rule.proxy(scheme: "https", host: "internal.corp", port: 443, providerProxy: nil) == nil)
        #expect(rule.proxy(scheme: "https", host: "notinternal.corp", port: 443, providerProxy: nil) != nil)
        #expect(rule.proxy(scheme: "https", host: "vendor.example", port: 8443, providerProxy: nil) == nil)
        #expect(rule.proxy(scheme: "https", host: "vendor.example", port: 443, providerProxy: nil) != nil)
        #expect(rule.proxy(scheme: "https", host: "[::1]", port: 443, providerProxy: nil) == nil)
        #expect(rule.proxy(scheme: "http", host: "api.openai.com", port: 80, providerProxy: nil) == nil, "HTTPS_PROXY is for https targets")
        #expect(rule.proxy(scheme: "https", host: "llm.internal.corp", port: 443, providerProxy: "http://p:8080")?.host == "p")
        #expect(rule.proxy(scheme: "https", host: "api.openai.com", port: 443, providerProxy: "none") == nil)
        #expect(EgressProxyRule(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"]).proxy(
            scheme: "https", host: "a.b", port: 443, providerProxy: nil) == nil)
        #expect(ProxyAddress(parsing: "http://p")?.port == 80)
        #expect(ProxyAddress(parsing: "https://p:1") == nil, "only http proxies (CONNECT over plain HTTP)")
    }

    @Test func badTLSFilesAndProxiesAreRefusedNamingTheField() throws {
        let material = try Material()
        defer { material.remove() }
        #expect(throws: UpstreamEgressProblem(field: "tls.caFile", message: "cannot read /nonexistent.pem")) {
            try UpstreamEgressRules.check(UpstreamTLSSettings(caFile: "/nonexistent.pem"))
        }
        #expect(throws: UpstreamEgressProblem(field: "tls.caFile", message: "\(material.vendorKey) holds no PEM CERTIFICATE")) {
            try UpstreamEgressRules.check(UpstreamTLSSettings(caFile: material.vendorKey))
        }
        #expect(throws: UpstreamEgressProblem(field: "tls.clientKey", message: "is required with tls.clientCert")) {
            try UpstreamEgressRules.check(UpstreamTLSSettings(clientCert: material.clientCert))
        }
        #expect(throws: UpstreamEgressProblem(field: "tls.clientKey", message: "\(material.clientCert) holds no PEM PRIVATE KEY")) {
            try UpstreamEgressRules.check(UpstreamTLSSettings(clientCert: material.clientCert, clientKey: material.clientCert))
        }
        try UpstreamEgressRules.check(UpstreamTLSSettings(caFile: material.vendorCert, clientCert: material.clientCert, clientKey: material.clientKey))
        try UpstreamEgressRules.checkProxy("none", outbound: .strict)
        try UpstreamEgressRules.checkProxy("http://proxy.corp:3128", outbound: .strict)
        #expect(throws: UpstreamEgressProblem.self) { try UpstreamEgressRules.checkProxy("http://127.0.0.1:3128", outbound: .strict) }
        try UpstreamEgressRules.checkProxy("http://127.0.0.1:3128", outbound: OutboundURLPolicy(allowLoopback: true))
        #expect(throws: UpstreamEgressProblem.self) { try UpstreamEgressRules.checkProxy("http://user:pw@proxy.corp:3128", outbound: .strict) }
        #expect(throws: UpstreamEgressProblem.self) { try UpstreamEgressRules.checkProxy("socks5://proxy.corp:1080", outbound: .strict) }
    }
}
