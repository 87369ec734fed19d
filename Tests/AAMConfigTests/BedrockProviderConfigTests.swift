import AAMConfig
import AAMCore
import Foundation
import Testing

/// `protocol: bedrock` in the YAML config: the region is required (SigV4 signs with it), the
/// regional endpoint follows from it when no base URL is given (a VPC endpoint may be), and the
/// AWS key comes from the environment like any credential.
@Suite struct BedrockProviderConfigTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigErrors) -> LoadedConfig {
        try ConfigLoader.load(yaml: yaml, file: "b.yaml", environment: environment)
    }

    @Test func aBedrockProviderNeedsOnlyItsRegionAndItsKey() throws {
        let loaded = try load(
            """
            providers:
              - name: bedrock
                protocol: bedrock
                region: eu-central-1
                credential: ${AWS_BEDROCK_CREDENTIAL}
            deployments:
              - { alias: claude, provider: bedrock, upstreamModel: "anthropic.claude-3-5-sonnet-20240620-v1:0" }
            """, environment: ["AWS_BEDROCK_CREDENTIAL": "AKIAEXAMPLE:secret/KEY"])
        let provider = try #require(loaded.state.providers["bedrock"])
        #expect(provider.wireProtocol == .bedrock)
        #expect(provider.region == "eu-central-1")
        #expect(provider.baseURL == "https://bedrock-runtime.eu-central-1.amazonaws.com")
        #expect(loaded.credentials["bedrock"]?.revealForTransport() == "AKIAEXAMPLE:secret/KEY")
    }

    @Test func theRegionIsRequired() {
        func messages(_ yaml: String) -> [String] {
            do {
                _ = try load(yaml)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(messages("providers:\n  - { name: b, protocol: bedrock }\n") == ["b.yaml:2:5: providers[0].region: missing (required for protocol 'bedrock', e.g. us-east-1)"])
        #expect(messages("providers:\n  - { name: b, protocol: bedrock, baseURL: \"https://vpce.example.com\" }\n").first?.contains("providers[0].region: missing") == true)
    }
}
