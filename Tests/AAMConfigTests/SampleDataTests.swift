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

    @Test func loadsWithTheDemoKeySet() throws {
        let loaded = try ConfigLoader.load(path: Self.path, environment: ["AAM_DEMO_KEY": demoKey])
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

    @Test func namesTheMissingDemoKey() {
        #expect {
            try ConfigLoader.load(path: Self.path, environment: [:])
        } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.message) == ["environment variable 'AAM_DEMO_KEY' is not set"]
        }
    }
}
