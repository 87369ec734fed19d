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

    @Test func customDetectorsAreDeclaredInTheFile() throws {
        let state = try load(
            """
            guardrails:
              - scope: org:acme
                request: {employee_id: block, ref_card: redact}
                customDetectors:
                  - { name: employee_id, pattern: "EMP-[0-9]{6}" }
                  - { name: ref_card, pattern: "ref:([0-9]{16})", validator: luhn, caseInsensitive: true }
            """
        ).state
        let policy = try #require(state.guardrails["org:acme"])
        #expect(policy.customDetectors == [
            CustomDetector(name: "employee_id", pattern: "EMP-[0-9]{6}"),
            CustomDetector(name: "ref_card", pattern: "ref:([0-9]{16})", validator: .luhn, caseInsensitive: true),
        ])
        let engine = try GuardrailEngine(policy: EffectiveGuardrailPolicy(chain: [policy]))
        #expect(engine.inspect("badge EMP-123456", direction: .request, location: "m").block?.detector == GuardrailDetector("employee_id"))
    }

    @Test func customDetectorErrorsNameTheField() {
        let errors = messages(
            """
            guardrails:
              - scope: org:acme
                customDetectors:
                  - { name: bad, pattern: "([", validator: crc }
                  - { pattern: "x" }
            """
        ).joined(separator: "\n")
        #expect(errors.contains("guardrails[0].customDetectors[0].validator"), "\(errors)")
        #expect(errors.contains("guardrails[0].customDetectors[1].name"), "\(errors)")
    }
}
