import AAMCore
import Foundation
import Testing

/// Issue 13 item 9: a vendor's 4xx message forwarded to the client must not carry a credential,
/// quoted, after `key=`, after a credential word, or the provider's own in any encoding.
@Suite struct VendorErrorScrubberTests {
    static let providerKey = "sk-proj-Zx81Qq0vLm3Pp7Rt5Ws2Yu9"

    @Test(arguments: [
        #"Incorrect API key provided: "sk-abc123def456ghi789""#,
        "Incorrect API key provided: 'sk-abc123def456ghi789'.",
        "bad request (key=AbCdEf0123456789)",
        "bad request, see https://x.example/v1?key=AbCdEf0123456789&x=1",
        "api_key: hunter2hunter2",
        #"{"api_key": "hunter2hunter2"}"#,
        #"{"api_key":"hunter2hunter2"}"#,
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "Bearer hunter2hunter2 is not valid",
        "token=hunter2hunter2",
        "password: hunter2hunter2",
        "AWS key AKIAIOSFODNN7EXAMPLE refused",
        "a long opaque value 9f8e7d6c5b4a39281706f5e4d3c2b1a0 in the text",
    ])
    func credentialShapedValuesAreRedacted(_ message: String) {
        let scrubbed = VendorErrorScrubber.scrub(message)
        for secret in ["sk-abc123def456ghi789", "AbCdEf0123456789", "hunter2hunter2", "eyJhbGciOiJIUzI1NiJ9", "AKIAIOSFODNN7EXAMPLE", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"] {
            #expect(!scrubbed.contains(secret), "\(message) -> \(scrubbed)")
        }
        #expect(scrubbed.contains(VendorErrorScrubber.redacted), "\(scrubbed)")
    }

    @Test func theProvidersOwnCredentialInEveryEncoding() {
        let key = Self.providerKey
        let bytes = Data(key.utf8)
        let forms = [
            key, bytes.base64EncodedString(), bytes.base64EncodedString().replacingOccurrences(of: "=", with: ""),
            bytes.map { String(format: "%02x", $0) }.joined(), "x" + key + "y",
        ]
        for form in forms {
            let scrubbed = VendorErrorScrubber.scrub("the key (\(form)) was refused", secrets: [key])
            #expect(!scrubbed.contains(form), "\(form) -> \(scrubbed)")
            #expect(!scrubbed.contains(key))
        }
        // A short credential that no shape rule would catch is still removed.
        #expect(VendorErrorScrubber.scrub("you sent pa55 as is", secrets: ["pa55"]) == "you sent [redacted] as is")
    }

    @Test func ordinaryMessagesKeepTheirWords() {
        for message in [
            "Invalid API key provided.", "max_tokens must be at most 4096, got 9999", "The model `gpt-4o` does not exist",
            "Your request was rejected: the prompt is too long (token count 12000 > 8192).", "messages.0.content: Field required",
        ] {
            #expect(VendorErrorScrubber.scrub(message) == message)
        }
    }
}
