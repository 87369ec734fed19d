import AAMConfig
import AAMCore
import Foundation
import Testing

/// The agent control plane's sections: the workload-identity `server:` settings, `policies:`
/// (by file or inline) and `mcpServers:` (with their tool maps).
@Suite struct AgentSectionsTests {
    @Test func serverIdentitySettings() throws {
        let server = try Fixtures.load("good", "agents").server
        #expect(server.trustBundles == "./aam-data/bundles")
        #expect(server.jwtAudience == "aam-test")
        #expect(server.mtlsListen == "127.0.0.1:8443")
        #expect(server.tlsCert == "./tls/cert.pem")
        #expect(server.tlsKey == "./tls/key.pem")
    }

    @Test func policiesByFileAndInline() throws {
        let policies = try Fixtures.load("good", "agents").policies
        #expect(policies.map(\.name) == ["finance-analyst-readonly", "crm-reader"])
        // A referenced file is stored as written.
        let fileText = try String(contentsOf: PolicyFixtures.url("good", "finance-analyst-readonly.yaml"), encoding: .utf8)
        #expect(policies[0].document == fileText)
        #expect(policies[0].policy == (try PolicyFixtures.load("good", "finance-analyst-readonly.yaml")))
        // An inline one is written out as a document that loads back to the same policy.
        let inline = policies[1]
        #expect(inline.policy.mode == .shadow)
        #expect(inline.policy.subject.description == "spiffe://prod/agent/crm-reader")
        #expect(inline.policy.tools.map(\.resource) == ["salesforce.accounts"])
        #expect(try PolicyLoader.load(text: inline.document, file: "stored") == inline.policy)
    }

    @Test func mcpServersWithToolsAndCredentialsApart() throws {
        let loaded = try Fixtures.load("good", "agents")
        let servers = loaded.state.mcpServers
        #expect(servers.keys.sorted() == ["billing", "crm"])
        #expect(servers.values.allSatisfy { $0.credential == nil }, "plaintext stays out of the state")
        let crm = try #require(servers["crm"])
        #expect(crm.url == "http://127.0.0.1:8091/mcp")
        #expect(crm.protocolVersion == MCPProtocol.sessionVersion)
        #expect(crm.injection == MCPInjection(type: .bearer))
        #expect(
            crm.tools == [
                "get_account": MCPToolMapping(tool: "get_account", resource: "salesforce.accounts", action: "read", resourceIdFrom: "id"),
                "search_accounts": MCPToolMapping(tool: "search_accounts", resource: "salesforce.accounts", action: "search"),
            ])
        let billing = try #require(servers["billing"])
        #expect(billing.protocolVersion == MCPProtocol.statelessVersion)
        #expect(
            billing.injection
                == MCPInjection(type: .tokenExchange, tokenURL: "https://sts.internal/token", clientId: "aam", scope: "billing.read"))
        #expect(billing.tools.isEmpty)
        #expect(loaded.mcpCredentials["crm"]?.revealForTransport() == Fixtures.environment["OPENAI_API_KEY"])
        #expect(loaded.mcpCredentials["billing"]?.revealForTransport() == Fixtures.environment["AZURE_OPENAI_API_KEY"])
    }

    /// On disk, `file:` is relative to the config file's folder, and a policy file's problems
    /// are reported in that file, at its lines.
    @Test func policyFilesAreRelativeToTheConfigAndLocatedInThemselves() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aam-cfg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("policies"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("aam.yaml").path
        try "policies:\n  - file: policies/p.yaml\n".write(toFile: config, atomically: true, encoding: .utf8)
        let policyPath = folder.appendingPathComponent("policies/p.yaml").path
        try """
            apiVersion: access.envisionai.dev/v1
            kind: AgentPolicy
            metadata: { name: p }
            spec:
              identity: { workload: spiffe://prod/agent/p }
            """.write(toFile: policyPath, atomically: true, encoding: .utf8)
        #expect(try ConfigLoader.load(path: config, environment: [:]).policies.map(\.name) == ["p"])

        try "apiVersion: access.envisionai.dev/v1\nkind: AgentPolicy\nmetadata: { name: p }\nspec:\n  identity: { workload: spiffe://prod/agent/p }\n  mode: loud\n"
            .write(toFile: policyPath, atomically: true, encoding: .utf8)
        #expect {
            try ConfigLoader.load(path: config, environment: [:])
        } throws: { error in
            (error as? ConfigErrors)?.description == "\(policyPath):6:9: spec.mode: unknown mode 'loud' (expected enforce or shadow)"
        }
    }

    /// The names a policy gives its workload need not be registered in the file (the admin API
    /// may register them), and the section may be empty.
    @Test func unregisteredWorkloadsAndEmptySections() throws {
        let loaded = try ConfigLoader.load(
            yaml: """
                policies: []
                mcpServers: []
                workloads: []
                """, file: "t.yaml", environment: [:])
        #expect(loaded.policies.isEmpty && loaded.state.mcpServers.isEmpty && loaded.mcpCredentials.isEmpty)
        #expect(try Fixtures.load("good", "agents").state.workloads.isEmpty)
    }

    /// The MCP rules are the admin API's: the same words for the same mistakes.
    @Test func mcpRulesMatchTheAdminValidator() throws {
        let fields = MCPServerValidation.ServerFields(
            name: "hdr", url: "http://127.0.0.1:8093/mcp", credential: "x", protocolVersion: nil, injectionType: "header")
        #expect(throws: MCPServerValidation.Problem("is required for injection type 'header' (an HTTP header name)", field: "injection.header")) {
            try MCPServerValidation.server(fields, outbound: OutboundURLPolicy(allowLoopback: true))
        }
        let errors = try #require(Fixtures.errors("bad", "mcp-servers")).errors
        #expect(errors.contains { $0.field == "mcpServers[2].injection.header" && $0.message == "is required for injection type 'header' (an HTTP header name)" })
    }
}
