import AAMCore
import Testing

/// The stream redactor: a secret cut at any position across chunks is still caught, and none
/// of its bytes is ever released.
@Suite("Guardrail stream redactor")
struct GuardrailStreamRedactorTests {
    static let engine = try! GuardrailEngine(policy: .uniform(.redact))

    /// Feeds `chunks`, returns every piece released (finish included) and the redactor.
    static func run(_ chunks: [String], engine: GuardrailEngine = engine, window: Int = 256) -> ([StreamRedactor.Output], StreamRedactor) {
        var redactor = engine.streamRedactor(location: "choices[0].delta.content", window: window)
        var outputs = chunks.map { redactor.feed($0) }
        outputs.append(redactor.finish())
        return (outputs, redactor)
    }

    /// Every way to cut `text` in two at a character boundary.
    static func splits(_ text: String) -> [(String, String)] {
        let bytes = Array(text.utf8)
        return (0...bytes.count).filter { $0 == bytes.count || bytes[$0] & 0xC0 != 0x80 }.map {
            (String(decoding: bytes[..<$0], as: UTF8.self), String(decoding: bytes[$0...], as: UTF8.self))
        }
    }

    struct Secret: CustomTestStringConvertible, Sendable {
        var name: String
        var value: String
        var placeholder: String
        var testDescription: String { name }
    }

    static let secrets: [Secret] = [
        Secret(name: "email", value: "alice.smith@example.com", placeholder: "[EMAIL]"),
        Secret(name: "sk-aam key", value: GuardrailFixtures.sampleAAMKey, placeholder: "[API_KEY]"),
        Secret(name: "JWT", value: GuardrailFixtures.sampleJWT, placeholder: "[JWT]"),
        Secret(name: "PEM block", value: GuardrailFixtures.samplePEM, placeholder: "[PRIVATE_KEY]"),
    ]

    @Test("a secret split at every position across two chunks is redacted before any byte of it is sent", arguments: secrets)
    func everySplitPosition(_ secret: Secret) {
        let text = "Voilà — here it is: \(secret.value) ✓ done"
        let expected = "Voilà — here it is: \(secret.placeholder) ✓ done"
        for (first, second) in Self.splits(text) {
            let (outputs, redactor) = Self.run([first, second])
            #expect(outputs.map(\.text).joined() == expected, "split after \(first.utf8.count) bytes")
            #expect(redactor.decisions.map(\.count) == [1])
        }
    }

    @Test("with a small window the released text trails the input, still complete at finish")
    func smallWindowTrails() {
        let text = String(repeating: "lorem ipsum dolor ", count: 20) + "bob@example.com end"
        let chunks = text.map(String.init)
        let (outputs, _) = Self.run(chunks, window: 32)
        #expect(outputs.map(\.text).joined() == String(repeating: "lorem ipsum dolor ", count: 20) + "[EMAIL] end")
        #expect(outputs.dropLast().contains { !$0.text.isEmpty }, "text is released before the end")
    }

    @Test("one-character chunks and multibyte text: nothing split, everything redacted")
    func characterChunks() {
        let text = "日本語 😀 \(GuardrailFixtures.sampleAAMKey) Grüße bob@example.com 🇩🇪 fin"
        let (outputs, _) = Self.run(text.map(String.init), window: 64)
        #expect(outputs.map(\.text).joined() == "日本語 😀 [API_KEY] Grüße [EMAIL] 🇩🇪 fin")
        #expect(!outputs.contains { $0.text.contains("\u{FFFD}") })
    }

    @Test("a private key longer than the window is replaced at once and dropped up to its END line")
    func longPrivateKey() {
        let body = (0..<40).map { _ in GuardrailFixtures.base62(64, seed: 3) }.joined(separator: "\n")
        let text = "key:\n-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\nafter"
        for chunkSize in [1, 7, 100, 1000] {
            let bytes = Array(text.utf8)
            let chunks = stride(from: 0, to: bytes.count, by: chunkSize).map {
                String(decoding: bytes[$0..<min(bytes.count, $0 + chunkSize)], as: UTF8.self)
            }
            let (outputs, redactor) = Self.run(chunks, window: 64)
            #expect(outputs.map(\.text).joined() == "key:\n[PRIVATE_KEY]\nafter", "chunk size \(chunkSize)")
            #expect(redactor.decisions.map(\.count) == [1])
        }
        let (unterminated, _) = Self.run(["x -----BEGIN RSA PRIVATE KEY-----\n", body], window: 16)
        #expect(unterminated.map(\.text).joined() == "x [PRIVATE_KEY]")
    }

    @Test("a block match ends the stream: the text before it is released, none of it, nothing after")
    func block() throws {
        let engine = try GuardrailEngine(
            policy: EffectiveGuardrailPolicy(chain: [GuardrailPolicy(response: [.jwt: .block, .email: .redact])]))
        let jwt = GuardrailFixtures.sampleJWT
        let text = "mail bob@example.com token \(jwt) tail"
        for (first, second) in Self.splits(text) {
            var redactor = engine.streamRedactor(location: "choices[0].delta.content", window: 200)
            let outputs = [redactor.feed(first), redactor.feed(second), redactor.feed("more"), redactor.finish()]
            let released = outputs.map(\.text).joined()
            #expect(released == "mail [EMAIL] token ", "split after \(first.utf8.count) bytes")
            #expect(outputs.compactMap(\.blocked).map(\.detector) == [.jwt])
            #expect(redactor.isBlocked)
        }
    }

    @Test("flag records without holding back or changing the text")
    func flag() throws {
        let engine = try GuardrailEngine(policy: .uniform(.flag))
        let (flagged, flagRedactor) = Self.run(["call +1 555 123 4567 or ", "bob@exa", "mple.com"], engine: engine)
        #expect(flagged.map(\.text).joined() == "call +1 555 123 4567 or bob@example.com")
        #expect(flagRedactor.decisions.map(\.detector) == [.email, .phone])
        #expect(flagRedactor.decisions.allSatisfy { $0.action == .flag && $0.count == 1 })
    }

    @Test("a long stream costs linear time")
    func longStream() {
        let piece = "Some streamed prose with bob@example.com and 10.0.0.1 in it, token by token. "
        var redactor = Self.engine.streamRedactor(location: "x", window: 256)
        var released = 0
        let start = ContinuousClock.now
        for _ in 0..<3_000 {
            for chunk in piece.split(separator: " ", omittingEmptySubsequences: false) {
                released += redactor.feed(chunk + " ").text.utf8.count
            }
        }
        released += redactor.finish().text.utf8.count
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(redactor.decisions.map(\.count) == [3_000, 3_000])
        #expect(released > 0)
    }
}
