import AAMConfig
import AAMCore
import Foundation
import Testing

/// `protocol: gemini` in the YAML config: accepted like the other vendors, with their rules
/// (a base URL and a credential; `apiVersion` and `simulation` are not its fields).
@Suite struct GeminiProviderConfigTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigErrors) -> LoadedConfig {
        try ConfigLoader.load(yaml: yaml, file: "g.yaml", environment: environment)
    }

    @Test func aGeminiProviderIsDeclaredWithItsKeyFromTheEnvironment() throws {
        let loaded = try load(
            """
            providers:
              - name: gemini
                protocol: gemini
                baseURL: https://generativelanguage.googleapis.com
                credential: ${GEMINI_API_KEY}
            deployments:
              - { alias: flash, provider: gemini, upstreamModel: gemini-2.0-flash }
            """, environment: ["GEMINI_API_KEY": "AIza-config-test"])
        let provider = try #require(loaded.state.providers["gemini"])
        #expect(provider.wireProtocol == .gemini)
        #expect(provider.baseURL == "https://generativelanguage.googleapis.com")
        #expect(loaded.credentials["gemini"]?.revealForTransport() == "AIza-config-test")
    }

    @Test func itsRulesAreTheOtherVendors() {
        func messages(_ yaml: String) -> [String] {
            do {
                _ = try load(yaml)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(messages("providers:\n  - { name: g, protocol: gemini }\n") == ["g.yaml:2:5: providers[0].baseURL: missing (required for protocol 'gemini')"])
        #expect(messages("providers:\n  - { name: g, protocol: gemini, baseURL: \"https://x\", apiVersion: v1 }\n").first?.contains("only allowed for protocol 'azure-openai'") == true)
    }
}
