import AAMConfig
import AAMCore
import Testing

/// `responsesAPI: false` on a provider: an OpenAI-compatible server that only does chat
/// completions gets Responses calls translated; only `openai` and `azure-openai` take it.
@Suite struct ResponsesAPIConfigTests {
    private func messages(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "r.yaml", environment: [:])
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func theFlagIsReadForOpenAIAndAzure() throws {
        let loaded = try ConfigLoader.load(yaml: """
            providers:
              - { name: vllm, protocol: openai, baseURL: "http://vllm:8000", responsesAPI: false }
              - { name: oa, protocol: openai, baseURL: "https://api.openai.com" }
              - { name: az, protocol: azure-openai, baseURL: "https://r.openai.azure.com", apiVersion: "2024-10-21", responsesAPI: true }
            """, file: "r.yaml", environment: [:])
        #expect(loaded.state.providers["vllm"]?.responsesAPI == false)
        #expect(loaded.state.providers["oa"]?.responsesAPI == nil, "unset: the protocol's default")
        #expect(loaded.state.providers["az"]?.responsesAPI == true)
    }

    @Test func otherProtocolsAndOtherValuesAreRefused() {
        #expect(messages("providers:\n  - { name: a, protocol: anthropic, baseURL: \"https://x\", responsesAPI: true }\n").first?
            .contains("only allowed for protocols 'openai' and 'azure-openai'") == true)
        #expect(messages("providers:\n  - { name: o, protocol: openai, baseURL: \"https://x\", responsesAPI: maybe }\n").first?
            .contains("expected true or false") == true)
    }
}
