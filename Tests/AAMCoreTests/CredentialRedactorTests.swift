import AAMCore
import Foundation
import Testing

/// `CredentialRedactor`: an injected credential echoed by a tool is found and redacted in every
/// common encoding, alone or inside longer text, and ordinary text is left alone.
@Suite struct CredentialRedactorTests {
    static let secret = "tool-cred-SECRET-77aa"

    /// The forms a tool might echo, built with Foundation (independent of the redactor's own encoders).
    static func forms(_ secret: String) -> [(String, String)] {
        let data = Data(secret.utf8)
        let std = data.base64EncodedString()
        let url = std.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        func inside(_ prefix: String) -> String { Data((prefix + secret + "::tail").utf8).base64EncodedString() }
        let hex = data.map { String(format: "%02x", $0) }.joined()
        var forms: [(String, String)] = [
            ("raw", secret),
            ("base64 padded", std),
            ("base64 unpadded", std.trimmingCharacters(in: ["="])),
            ("base64url padded", url),
            ("base64url unpadded", url.trimmingCharacters(in: ["="])),
            ("base64 alignment 0 in longer text", inside("")),
            ("base64 alignment 1 in longer text", inside("u")),
            ("base64 alignment 2 in longer text", inside("us")),
            ("base64url alignment 1 in longer text", inside("u?").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")),
            ("hex lower", hex),
            ("hex upper", hex.uppercased()),
            ("percent-encoded, all bytes", data.map { String(format: "%%%02X", $0) }.joined()),
            ("percent-encoded, lowercase, some bytes", "tool%2dcred%2DSECRET-77aa"),
            ("JSON-escaped, all", secret.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()),
            ("JSON-escaped, one character", secret.replacingOccurrences(of: "S", with: "\\u0053")),
            ("JSON text inside text", #"{\"token\":\"tool-cred-\u0053ECRET-77aa\"}"#),
            ("percent inside JSON escape", "tool\\u002dcred%2DSECRET-77aa"),
        ]
        forms.append(("basic auth", "Basic " + Data("user:\(secret)".utf8).base64EncodedString()))
        return forms
    }

    @Test func everyFormIsRedactedAloneAndInsideText() {
        let redactor = CredentialRedactor(secrets: [Self.secret])
        for (name, form) in Self.forms(Self.secret) {
            let alone = redactor.redact(form)
            #expect(alone.contains("[REDACTED]"), "\(name): \(alone)")
            let embedded = redactor.redact("before \(form) after")
            #expect(embedded.hasPrefix("before "), "\(name): \(embedded)")
            #expect(embedded.hasSuffix(" after"), "\(name): \(embedded)")
            for (_, other) in Self.forms(Self.secret) where other.count >= 12 {
                #expect(!embedded.contains(other), "\(name): \(embedded) still holds a form of the secret")
            }
            #expect(!embedded.contains("SECRET"), "\(name): \(embedded)")
        }
    }

    @Test func ordinaryTextIsUntouched() {
        let redactor = CredentialRedactor(secrets: [Self.secret, "short"])
        for text in ["", "hello world", "c2hvcnQ", "73686f7274", "a%20b \\u0041", "{\"a\":\"b\"}", "ünïcödé 😀 text", "%", "\\", "%zz\\uZZZZ"] {
            #expect(redactor.redact(text) == text, "\(text)")
        }
        // A short secret is redacted as written only (its encodings would match ordinary text).
        #expect(redactor.redact("a short word") == "a [REDACTED] word")
        #expect(CredentialRedactor(secrets: [""]).isEmpty)
    }

    @Test func multibyteSecretsAndNeighboursSurvive() {
        let secret = "pässwörd-日本-token"
        let redactor = CredentialRedactor(secrets: [secret])
        let data = Data(secret.utf8)
        #expect(redactor.redact("é \(secret) é") == "é [REDACTED] é")
        #expect(redactor.redact("x \(data.base64EncodedString()) y") == "x [REDACTED] y")
        let escaped = secret.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }.joined()
        #expect(redactor.redact("日本 \(escaped) 日本") == "日本 [REDACTED] 日本")
    }

    @Test func overlappingAndRepeatedMatchesMergeIntoOneSpan() {
        let redactor = CredentialRedactor(secrets: [Self.secret, "SECRET-77aa"])
        #expect(redactor.redact("\(Self.secret)\(Self.secret)") == "[REDACTED]")
        #expect(redactor.redact("a \(Self.secret) b \(Self.secret) c") == "a [REDACTED] b [REDACTED] c")
    }

    @Test func largeHostileTextStaysLinear() {
        let redactor = CredentialRedactor(secrets: [String(repeating: "a", count: 40) + "b"])
        let text = String(repeating: "a", count: 400_000) + String(repeating: "%61", count: 20_000) + String(repeating: "\\u0061", count: 20_000)
        let clock = ContinuousClock()
        var output = ""
        let elapsed = clock.measure { output = redactor.redact(text) }
        #expect(output == text)
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }
}
