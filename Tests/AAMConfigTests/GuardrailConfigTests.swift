import AAMConfig
import AAMCore
import Foundation
import Testing

/// The `guardrails:` section of the config file.
@Suite struct GuardrailConfigTests {
    private func load(_ yaml: String) throws(ConfigErrors) -> LoadedConfig {
        try ConfigLoader.load(yaml: yaml, file: "g.yaml", environment: [:])
    }

    private func messages(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func policiesLoadByCanonicalScope() throws {
        let state = try load(
            """
            guardrails:
              - scope: org:acme
                request: {email: redact, api_key: block}
                response: {email: redact}
                denylist: ["project zeus"]
              - scope: key:demo-key
                response: {jwt: flag}
            """
        ).state
        #expect(state.guardrails["org:acme"] == GuardrailPolicy(
            request: [.email: .redact, .apiKey: .block], response: [.email: .redact], denylist: ["project zeus"]))
        #expect(state.guardrails["key:demo-key"]?.response == [.jwt: .flag])
    }

    @Test func errorsNameTheField() {
        let errors = messages(
            """
            guardrails:
              - scope: user:bob
              - scope: org:acme
                request: {emial: redact}
              - scope: team:platform
                response: {email: shred}
              - scope: org:acme
                requests: {}
            """
        ).joined(separator: "\n")
        #expect(errors.contains("guardrails[0].scope"), "\(errors)")
        #expect(errors.contains("guardrails[1].request.emial"), "\(errors)")
        #expect(errors.contains("guardrails[2].response.email"), "\(errors)")
        #expect(errors.contains("guardrails[3].requests"), "\(errors)")
    }
}
