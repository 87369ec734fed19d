import AAMConfig
import AAMCore
import Testing

/// The config file applies the admin API's SSRF rule (`OutboundURLPolicy`): upstream URLs on
/// loopback, link-local or unspecified hosts are config errors naming the field, unless the
/// daemon's flag or the file's own `server.allowLoopbackUpstreams: true` allows them.
@Suite struct OutboundURLConfigTests {
    static let yaml = """
        providers:
          - { name: local, protocol: openai, baseURL: "http://127.0.0.1:8000", credential: k }
          - { name: meta, protocol: openai, baseURL: "http://169.254.169.254", credential: k }
        mcpServers:
          - name: crm
            url: http://[::1]:8091/mcp
            credential: c
            injection: { type: oauth-client-credentials, tokenURL: "http://0.0.0.0/token", clientId: x }
        """

    @Test func localUpstreamsAreConfigErrorsNamingTheField() {
        #expect {
            try ConfigLoader.load(yaml: Self.yaml, file: "t.yaml", environment: [:])
        } throws: { error in
            let fields = Set((error as? ConfigErrors)?.errors.map(\.field) ?? [])
            return fields == ["providers[0].baseURL", "providers[1].baseURL", "mcpServers[0].url"]
                && (error as? ConfigErrors)?.description.contains("allowLoopbackUpstreams") == true
        }
    }

    @Test func theTokenURLIsCheckedToo() {
        let yaml = Self.yaml.replacingOccurrences(of: "http://[::1]:8091/mcp", with: "https://tools.example.com/mcp")
        #expect {
            try ConfigLoader.load(yaml: yaml, file: "t.yaml", environment: [:], outbound: OutboundURLPolicy(allowLoopback: false))
        } throws: { error in
            (error as? ConfigErrors)?.errors.contains { $0.field == "mcpServers[0].injection.tokenURL" } == true
        }
    }

    @Test func theFileOrTheDaemonMayAllowThem() throws {
        let allowed = try ConfigLoader.load(yaml: "server:\n  allowLoopbackUpstreams: true\n" + Self.yaml, file: "t.yaml", environment: [:])
        #expect(allowed.server.allowLoopbackUpstreams == true)
        #expect(allowed.state.providers["local"]?.baseURL == "http://127.0.0.1:8000")
        _ = try ConfigLoader.load(yaml: Self.yaml, file: "t.yaml", environment: [:], outbound: OutboundURLPolicy(allowLoopback: true))
        #expect {
            try ConfigLoader.load(yaml: "server:\n  allowLoopbackUpstreams: maybe\n", file: "t.yaml", environment: [:])
        } throws: { error in
            (error as? ConfigErrors)?.errors.first?.field == "server.allowLoopbackUpstreams"
        }
    }
}
