import AAMConfig
import AAMCore
import Foundation
import Testing

/// `sample-data/aam.yaml`, the demo config and the first file a new user reads, stays valid.
@Suite struct SampleDataTests {
    private static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sample-data/aam.yaml").path

    private let demoKey = "sk-aam-" + String(repeating: "D3mo", count: 10)
    private let mcpToken = "demo-mcp-token-value"

    @Test func loadsWithTheDemoKeySet() throws {
        let loaded = try ConfigLoader.load(path: Self.path, environment: ["AAM_DEMO_KEY": demoKey, "AAM_DEMO_MCP_TOKEN": mcpToken])
        let state = loaded.state
        #expect(state.providers.values.allSatisfy { $0.wireProtocol == .simulated }, "the demo runs offline")
        #expect(loaded.credentials.isEmpty)
        #expect(state.providers.keys.sorted() == ["sim-anthropic", "sim-flaky", "sim-openai-east", "sim-openai-west"])
        #expect(state.providers["sim-openai-west"]?.simulation?.errorRate == 0.05)
        #expect(state.providers["sim-flaky"]?.simulation?.errorRate == 0.3)
        #expect(state.aliasNames.isSuperset(of: ["fast", "smart", "reasoning-high", "summarization", "embed"]))
        #expect(state.aliases["fast"]?.strategy == .weighted)
        #expect(state.aliases["fast"]?.fallbacks == ["smart"])
        #expect(Set(state.deployments.values.filter { $0.alias == "fast" }.map(\.provider)).count == 2)
        #expect(state.orgs["acme"] != nil)
        #expect(state.teams["platform"]?.orgId == "acme")
        #expect(state.projects["chatbot"]?.teamId == "platform")
        #expect(state.keys["demo-key"]?.orgId == "acme")
        #expect(loaded.keySecrets["demo-key"]?.revealForTransport() == demoKey)
    }

    /// The agent demo: a registered finance agent, its read-only policy (from the policies
    /// folder beside the file) and the CRM MCP server whose tools the policy speaks of.
    @Test func declaresTheAgentDemo() throws {
        let loaded = try ConfigLoader.load(path: Self.path, environment: ["AAM_DEMO_KEY": demoKey, "AAM_DEMO_MCP_TOKEN": mcpToken])
        let workload = try #require(loaded.state.workloads["spiffe://prod/agent/finance-analyst"])
        #expect(workload.owner == "finance-data" && workload.team == "finance" && workload.environment == "prod")
        #expect(workload.deployment == "finance-analyst" && workload.orgId == "acme" && workload.teamId == "platform")
        #expect(loaded.policies.map(\.name) == ["finance-analyst-readonly"])
        #expect(loaded.policies.first?.policy.subject.description == "spiffe://prod/agent/finance-analyst")
        let crm = try #require(loaded.state.mcpServers["crm"])
        #expect(crm.url == "http://127.0.0.1:8091/mcp", "the default when AAM_DEMO_MCP_URL is unset")
        #expect(crm.injection.type == .bearer)
        #expect(crm.tools.keys.sorted() == ["export_accounts", "get_account", "search_accounts"])
        #expect(crm.tools["get_account"]?.resourceIdFrom == "id")
        #expect(Set(crm.tools.values.map(\.resource)) == ["salesforce.accounts"])
        #expect(loaded.mcpCredentials["crm"]?.revealForTransport() == mcpToken)
        // The fake CRM server's last tool stays unmapped, so the demo shows it denied.
        #expect(crm.tools["unmapped_tool"] == nil)
        #expect(loaded.server.trustBundles == nil, "the workload settings are commented out")
    }

    @Test func namesTheMissingDemoSecrets() {
        #expect {
            try ConfigLoader.load(path: Self.path, environment: [:])
        } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.message) == [
                "environment variable 'AAM_DEMO_KEY' is not set", "environment variable 'AAM_DEMO_MCP_TOKEN' is not set",
            ]
        }
    }
}
