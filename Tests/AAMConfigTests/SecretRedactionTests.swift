import AAMConfig
import Testing

/// Values from the environment, credentials and key secrets never reach an error message.
@Suite struct SecretRedactionTests {
    private let secret = "s3cr3t VALUE/from env"  // not a valid slug, URL, number or key

    private func errors(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "t.yaml", environment: ["S": secret])
            return ""
        } catch {
            return error.description
        }
    }

    @Test func interpolatedValuesAreShownAsWrittenInErrors() {
        let output = errors(
            """
            server: { listen: "${S}", logLevel: "${S}", maxBodyBytes: "${S}", database: "${S}" }
            providers:
              - { name: "${S}", protocol: "${S}", baseURL: "${S}", region: x }
              - { name: p2, protocol: openai, baseURL: "https://${S}@host", headers: { Authorization: "${S}" } }
              - { name: p3, protocol: simulated, credential: "${S}", simulation: { errorRate: "${S}" } }
            deployments:
              - { alias: "${S}", provider: "${S}", upstreamModel: m, weight: "${S}", id: "${S}" }
            aliases:
              - { name: a, strategy: "${S}", fallbacks: ["${S}"], contextWindowFallback: "${S}" }
            orgs: [{ id: "${S}" }]
            keys:
              - { id: k, orgId: "${S}", secret: "${S}", expiresAt: "${S}", models: ["${S}"] }
            """)
        #expect(output.contains("'${S}'"))
        #expect(output.split(separator: "\n").count >= 20)
        #expect(!output.contains(secret), "\(output)")
    }

    @Test func literalSecretsAreNeverShown() {
        let output = errors(
            """
            providers:
              - { name: sim, protocol: simulated, credential: literal-credential-XYZ }
            keys:
              - { id: k1, orgId: nope, secret: sk-aam-literal-malformed-XYZ }
            """)
        #expect(output.contains("keys[0].secret"))
        #expect(output.contains("providers[0].credential"))
        #expect(!output.contains("XYZ"), "\(output)")
    }
}
