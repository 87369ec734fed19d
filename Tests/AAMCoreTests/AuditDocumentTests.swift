import AAMCore
import Foundation
import Testing

@Suite("Audit documents: canonical JSON with secrets masked")
struct AuditDocumentTests {
    func canonical(_ json: String) -> String? { AuditDocument.canonical(Data(json.utf8)) }

    @Test("keys sorted, no whitespace, integers without a fraction, strings escaped")
    func canonicalForm() {
        #expect(canonical(#"{ "b": 1, "a": [true, null, 2.5, "x\"y\n"], "C": {"z": 100000, "y": -3} }"#)
            == #"{"C":{"y":-3,"z":100000},"a":[true,null,2.5,"x\"y\n"],"b":1}"#)
        #expect(canonical(#"{"b":1,"a":2}"#) == canonical(#"{"a":2,"b":1}"#))
        #expect(AuditDocument.canonical(nil) == nil)
        #expect(canonical("not json") == #""<masked>""#)
    }

    @Test("a sealed credential keeps only its fingerprint and master key id")
    func sealedCredential() throws {
        let provider = ProviderConfig(
            name: "openai-main", wireProtocol: .openai, baseURL: "https://api.openai.com",
            headers: ["Authorization": "Bearer sk-live-XYZ", "x-team": "blue"],
            credential: SealedCredential(
                masterKeyID: "mk-1234", wrappedDataKey: Data([1, 2, 3, 4]), ciphertext: Data("cipher-bytes".utf8),
                fingerprint: "sha256:ab12cd34"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = try #require(AuditDocument.canonical(try encoder.encode(provider)))
        #expect(text.contains(#""credential":{"fingerprint":"sha256:ab12cd34","masterKeyID":"mk-1234"}"#))
        #expect(text.contains(#""Authorization":"<masked>""#))
        #expect(text.contains(#""x-team":"blue""#))
        #expect(!text.contains("sk-live-XYZ"))
        #expect(!text.contains(Data([1, 2, 3, 4]).base64EncodedString()))
        #expect(!text.contains(Data("cipher-bytes".utf8).base64EncodedString()))
    }

    @Test("key hashes, tokens and passwords are masked at any depth; counts of tokens are not")
    func secretsMasked() {
        let text = canonical(#"""
            {"id":"k1","secretHash":"deadbeef","graceSecretHash":null,"budgets":[{"period":"daily","tokens":5000}],
             "metadata":{"token":"t0p","db_password":"hunter2","owner":"bob","x-api-key":"abc","maxTokens":7},
             "nested":[{"client_secret":{"inner":"v"}}],"pepper":"p","privateKey":"-----BEGIN"}
            """#) ?? ""
        #expect(text == #"{"budgets":[{"period":"daily","tokens":5000}],"graceSecretHash":null,"id":"k1","metadata":{"db_password":"<masked>","maxTokens":7,"owner":"bob","token":"<masked>","x-api-key":"<masked>"},"nested":[{"client_secret":"<masked>"}],"pepper":"<masked>","privateKey":"<masked>","secretHash":"<masked>"}"#)
        for secret in ["deadbeef", "t0p", "hunter2", "abc", "BEGIN"] { #expect(!text.contains(secret)) }
    }

    @Test("which member names are secrets")
    func names() {
        for name in ["credential", "secretHash", "graceSecretHash", "password", "Authorization", "apiKey", "api_key", "x-api-key",
                     "token", "accessToken", "refresh_token", "pepper", "private_key", "Cookie"] {
            #expect(AuditDocument.isSensitive(name), "\(name)")
        }
        for name in ["tokens", "maxTokens", "promptTokens", "name", "prefix", "fingerprint", "masterKeyID", "keyId", "rpm", "tpm"] {
            #expect(!AuditDocument.isSensitive(name), "\(name)")
        }
    }
}
