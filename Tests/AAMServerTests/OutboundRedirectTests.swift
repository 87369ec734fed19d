import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import Testing

/// Issue 13 item 6: an upstream that answers with a redirect must not get AAM to send the
/// credential (a header credential, an OAuth client secret, a vendor key) to the host it names.
/// Each test points AAM at a redirector whose `Location` is a second, recording "attacker"
/// server, and proves the attacker received nothing and the caller got a clear error.
@Suite struct OutboundRedirectTests {
    static let toolKey = "tool-header-cred-SECRET-9911"

    /// Runs `body` with a recording attacker and a redirector pointing at it; both always stopped.
    static func withRedirect(status: Int = 307, _ body: (_ redirector: FakeRedirector, _ attacker: FakeRedirector) async throws -> Void) async throws {
        let attacker = try await FakeRedirector.start()
        let redirector: FakeRedirector
        do { redirector = try await FakeRedirector.start(redirectingTo: attacker.baseURL, status: status) } catch {
            await attacker.stop()
            throw error
        }
        do { try await body(redirector, attacker) } catch {
            await redirector.stop()
            await attacker.stop()
            throw error
        }
        await redirector.stop()
        await attacker.stop()
    }

    @Test(arguments: [301, 302, 303, 307, 308]) func mcpHeaderCredentialIsNotFollowedToTheRedirectTarget(_ status: Int) async throws {
        try await Self.withRedirect(status: status) { redirector, attacker in
            let s = try await MCPGatewayTests.start(injection: #"{"type":"header","header":"X-Tool-Key"}"#, style: .stateless)
            do {
                try await s.gateway.harness.adminOK(
                    .POST, "/admin/mcp-servers",
                    json: #"{"name":"evil","url":"\#(redirector.baseURL)/mcp","protocolVersion":"2026-07-28","credential":"\#(Self.toolKey)","injection":{"type":"header","header":"X-Tool-Key"}}"#)
                try await s.gateway.harness.adminOK(.POST, "/admin/mcp-servers/evil/tools", json: #"{"tool":"get_account","resource":"salesforce.accounts","action":"read"}"#)
                let reply = try await s.mcp("tools/call", name: "get_account", server: "evil")
                #expect(reply.text.contains("redirect (HTTP \(status))"), "\(reply.status) \(reply.text)")
                #expect(!reply.text.contains(Self.toolKey))
                #expect(redirector.received.count == 1, "the registered server was called once")
                #expect(redirector.received.first?.headers["x-tool-key"] == Self.toolKey)
                #expect(attacker.received.isEmpty, "the redirect target received \(attacker.received.map { "\($0.method) \($0.path) \($0.headers)" })")
            } catch {
                await s.stop()
                throw error
            }
            await s.stop()
        }
    }

    @Test func oauthClientSecretIsNotFollowedToTheRedirectTarget() async throws {
        try await Self.withRedirect { redirector, attacker in
            let injection = #"{"type":"oauth-client-credentials","tokenURL":"\#(redirector.baseURL)/token","clientId":"aam"}"#
            let s = try await MCPGatewayTests.start(injection: injection, style: .stateless)
            do {
                let reply = try await s.mcp("tools/call", name: "get_account")
                #expect(reply.text.contains("token endpoint"), "\(reply.text)")
                #expect(reply.text.contains("redirect (HTTP 307)"), "\(reply.text)")
                #expect(redirector.received.count == 1)
                #expect(redirector.received.first?.body.contains(MCPGatewayTests.credential) == true, "the secret went only to the registered endpoint")
                #expect(attacker.received.isEmpty, "the redirect target received \(attacker.received.map(\.body))")
                #expect(!s.fake.mcpRequests.contains { $0.method == "tools/call" }, "no token, no call")
            } catch {
                await s.stop()
                throw error
            }
            await s.stop()
        }
    }

    @Test func vendorKeyIsNotFollowedToTheRedirectTarget() async throws {
        let vendorKey = "sk-vendor-redirect-SECRET-4242"
        try await Self.withRedirect { redirector, attacker in
            try await withGateway { gateway in
                try await gateway.addProvider("vendor", protocol: "anthropic", baseURL: redirector.baseURL, credential: vendorKey)
                try await gateway.addDeployment(alias: "chat", provider: "vendor", model: "claude-sonnet-4-20250514")
                let key = try await gateway.issueKey().secret
                let subscription = gateway.gateway.runtime.bus.subscribe()
                defer { subscription.cancel() }
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.status >= 500, "\(reply.text)")
                #expect(!reply.text.contains(vendorKey))
                let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
                #expect(record.attempts.contains { $0.errorClass == "upstream_redirect" }, "\(record.attempts)")
                #expect(redirector.received.first?.headers["x-api-key"] == vendorKey)
                #expect(attacker.received.isEmpty, "the redirect target received \(attacker.received.map(\.headers))")
            }
        }
    }

    @Test func siemCollectorRedirectIsAConfigurationProblem() {
        guard case .misconfigured(let reason) = HECTransport.classify(status: 308) else {
            Issue.record("a redirect must not be retried as if transient")
            return
        }
        #expect(reason.contains("redirect"))
    }
}

/// SSRF rules at registration: without the operator's allowance, upstream URLs naming loopback,
/// link-local (cloud metadata) or unspecified hosts are refused with a 400 naming the field.
@Suite struct OutboundURLRegistrationTests {
    static func strictGateway(_ body: (GatewayHarness) async throws -> Void) async throws {
        let harness = try await GatewayHarness.start { $0.allowLoopbackUpstreams = false }
        do { try await body(harness) } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test(arguments: [
        "http://169.254.169.254/latest", "http://127.0.0.1:8000", "http://localhost:11434", "http://[::1]:8080", "http://0.0.0.0:80",
        "http://2130706433/", "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/", "http://LOCALHOST./",
    ])
    func providerBaseURLOnALocalHostIsRefused(_ url: String) async throws {
        try await Self.strictGateway { gateway in
            let reply = try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"p","protocol":"openai","baseURL":"\#(url)","credential":"k"}"#)
            #expect(reply.status == 400, "\(url): \(reply.text)")
            #expect(reply.text.contains("baseURL") && reply.text.contains("allow-loopback-upstreams"), "\(reply.text)")
            let providers = try await gateway.admin(.GET, "/admin/providers")
            #expect(!providers.text.contains("\"p\""))
        }
    }

    @Test func providerBaseURLPatchToTheMetadataServiceIsRefused() async throws {
        try await Self.strictGateway { gateway in
            try await gateway.addProvider("p", protocol: "openai", baseURL: "https://api.openai.com", credential: "k")
            let reply = try await gateway.admin(.PATCH, "/admin/providers/p", json: #"{"baseURL":"http://169.254.169.254"}"#)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.text.contains("link-local"), "\(reply.text)")
        }
    }

    @Test func mcpServerURLAndTokenURLOnALocalHostAreRefused() async throws {
        try await Self.strictGateway { gateway in
            let url = try await gateway.admin(
                .POST, "/admin/mcp-servers", json: #"{"name":"m","url":"http://127.0.0.1:9/mcp","credential":"c","injection":{"type":"bearer"}}"#)
            #expect(url.status == 400 && url.text.contains("\"url\""), "\(url.text)")
            let token = try await gateway.admin(
                .POST, "/admin/mcp-servers",
                json: #"{"name":"m","url":"https://tools.example.com/mcp","credential":"c","injection":{"type":"oauth-client-credentials","tokenURL":"http://169.254.169.254/token","clientId":"x"}}"#)
            #expect(token.status == 400 && token.text.contains("injection.tokenURL"), "\(token.text)")
        }
    }

    @Test func siemTargetsOnALocalHostAreRefusedAtStart() {
        var settings = SIEMSettings()
        settings.hecURL = "http://169.254.169.254/services/collector"
        settings.hecToken = SecretValue("t")
        #expect(throws: StartupError.self) { try settings.validate(outbound: .strict) }
        #expect(throws: Never.self) { try settings.validate(outbound: OutboundURLPolicy(allowLoopback: true)) }
        var syslog = SIEMSettings()
        #expect(throws: Never.self) { try syslog.setSyslogTarget("127.0.0.1:6514") }
        #expect(throws: StartupError.self) { try syslog.validate(outbound: .strict) }
    }
}

/// The class stays closed: no source file makes its own HTTP client (which would follow
/// redirects by default); every outbound client comes from `OutboundHTTP`.
@Suite struct OutboundClientLintTests {
    @Test func everyHTTPClientComesFromOutboundHTTP() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        var scanned = 0
        for case let file as URL in files where file.pathExtension == "swift" && file.lastPathComponent != "OutboundHTTP.swift" {
            scanned += 1
            let text = try String(contentsOf: file, encoding: .utf8)
            for pattern in ["HTTPClient(", "HTTPClient.shared", "URLSession", "redirectConfiguration"] where text.contains(pattern) {
                offenders.append("\(file.lastPathComponent): \(pattern)")
            }
        }
        #expect(scanned > 100)
        #expect(offenders.isEmpty, "make outbound clients with OutboundHTTP: \(offenders)")
    }
}
