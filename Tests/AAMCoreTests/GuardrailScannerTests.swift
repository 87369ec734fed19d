import AAMCore
import Foundation
import Testing

private typealias Hit = GuardrailFixtures.Hit

/// The one-pass scanner as a whole: Unicode, denylists, custom detectors, linear time.
@Suite("Guardrail scanner")
struct GuardrailScannerTests {
    @Test("byte ranges are UTF-8 offsets and Unicode around matches does not disturb them")
    func unicodeAroundMatches() throws {
        let text = "Grüße — 日本語 bob@example.com, Karte 4111 1111 1111 1111 😀 fin"
        let matches = GuardrailFixtures.allBuiltIns.scan(text)
        #expect(matches.map(\.detector) == [.email, .creditCard])
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[matches[0].range], as: UTF8.self) == "bob@example.com")
        #expect(String(decoding: bytes[matches[1].range], as: UTF8.self) == "4111 1111 1111 1111")
    }

    @Test("an internationalised local part is matched whole, starting on a character boundary")
    func internationalLocalPart() {
        #expect(GuardrailFixtures.hits("an jörg@example.de schreiben") == [Hit(.email, "jörg@example.de")])
        #expect(GuardrailFixtures.hits("メールはbob@example.comです") == [Hit(.email, "メールはbob@example.com")])
    }

    @Test("a match ends at the buffer edge without reading past it")
    func matchesAtTheEdges() {
        #expect(GuardrailFixtures.hits("bob@example.com") == [Hit(.email, "bob@example.com")])
        #expect(GuardrailFixtures.hits("10.1.2.3") == [Hit(.ipAddress, "10.1.2.3")])
        #expect(GuardrailFixtures.hits("@") == [])
        #expect(GuardrailFixtures.hits("") == [])
        #expect(GuardrailFixtures.hits("sk-") == [])
    }

    @Test("only the configured detectors run")
    func subsetOfDetectors() throws {
        let scanner = try GuardrailScanner(detectors: [.email])
        let text = "bob@example.com 4111 1111 1111 1111 \(GuardrailFixtures.sampleAAMKey)"
        #expect(GuardrailFixtures.hits(text, scanner: scanner) == [Hit(.email, "bob@example.com")])
        #expect(try GuardrailScanner(detectors: []).isEmpty)
    }

    @Test("denylist keywords are case-insensitive whole words; /…/ entries are regular expressions")
    func denylist() throws {
        let scanner = try GuardrailScanner(
            detectors: [.denylist], denylist: ["Project Titan", "ass", "機密", "/confidential-[0-9]+/"])
        let text = "PROJECT TITAN is 機密; the class passes; Confidential-42 and ass."
        #expect(
            GuardrailFixtures.hits(text, scanner: scanner) == [
                Hit(.denylist, "PROJECT TITAN"), Hit(.denylist, "機密"), Hit(.denylist, "Confidential-42"),
                Hit(.denylist, "ass"),
            ])
        let unused = try GuardrailScanner(detectors: [.email], denylist: ["titan"])
        #expect(GuardrailFixtures.hits("titan", scanner: unused) == [])
    }

    @Test("overlapping denylist keywords are all reported")
    func overlappingKeywords() throws {
        let scanner = try GuardrailScanner(detectors: [.denylist], denylist: ["secret plan", "plan b", "plan"])
        let hits = GuardrailFixtures.hits("the secret plan b", scanner: scanner)
        #expect(Set(hits) == [Hit(.denylist, "secret plan"), Hit(.denylist, "plan"), Hit(.denylist, "plan b")])
    }

    @Test("custom detectors: pattern plus luhn or mod97 validator")
    func customDetectors() throws {
        let scanner = try GuardrailScanner(
            detectors: ["employee_id", "loyalty_card", "account_ref"],
            customDetectors: [
                CustomDetector(name: "employee_id", pattern: "EMP-[0-9]{6}"),
                CustomDetector(name: "loyalty_card", pattern: "LC[0-9]{16}", validator: .luhn),
                CustomDetector(name: "account_ref", pattern: "ref:([A-Z]{2}[0-9]{2}[A-Z0-9]{14})", validator: .mod97,
                               caseInsensitive: true),
            ])
        let text = "émployé EMP-123456, LC4111111111111111 vs LC4111111111111112, REF:NL91ABNA0417164300 vs ref:NL91ABNA0417164301"
        #expect(
            GuardrailFixtures.hits(text, scanner: scanner) == [
                Hit("employee_id", "EMP-123456"), Hit("loyalty_card", "LC4111111111111111"),
                Hit("account_ref", "REF:NL91ABNA0417164300"),
            ])
    }

    @Test("an invalid pattern is reported by its field, without quoting it")
    func invalidPattern() {
        #expect(throws: GuardrailConfigError(field: "denylist[1]", message: "invalid regular expression")) {
            try GuardrailScanner(detectors: [.denylist], denylist: ["fine", "/([unclosed/"])
        }
        #expect(throws: GuardrailConfigError(field: "customDetectors[0].pattern", message: "invalid regular expression")) {
            try GuardrailScanner(detectors: ["x"], customDetectors: [CustomDetector(name: "x", pattern: "(")])
        }
    }

    struct Input: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        init(_ name: String, _ text: String) {
            self.name = name
            self.text = text
        }
        var testDescription: String { name }
    }

    static let pathological: [Input] = [
        Input("prose with PII", String(repeating: "Hello Bob, mail alice@example.com or call +1 555 123 4567. ", count: 20_000)),
        Input("digits and spaces", String(repeating: "1 ", count: 500_000)),
        Input("long digit run", String(repeating: "4", count: 1_000_000)),
        Input("at signs", String(repeating: "a@", count: 500_000)),
        Input("dotted numbers", String(repeating: "1.", count: 500_000)),
        Input("colons", String(repeating: "a:", count: 500_000)),
        Input("assignments", String(repeating: "password=", count: 110_000)),
        Input("jwt heads", String(repeating: "eyJhbGciOiJIUzI1NiJ9.", count: 50_000)),
        Input("pem headers", String(repeating: "-----BEGIN PRIVATE KEY-----\n", count: 36_000)),
        Input("base64 blob", String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/", count: 27_000)),
        Input("multibyte", String(repeating: "日本語テキスト😀", count: 40_000)),
    ]

    @Test("1 MB inputs scan in linear time, including adversarial shapes", arguments: pathological)
    func longInputs(_ input: Input) throws {
        let scanner = try GuardrailScanner(detectors: GuardrailDetector.builtIn, denylist: ["titan", "/zz+top/"])
        let start = ContinuousClock.now
        _ = scanner.scan(input.text)
        // Not a speed test (scripts/bench-guardrails measures speed): a guard against quadratic
        // behaviour, which on 1 MB takes far longer than this bound even on a loaded debug build.
        #expect(ContinuousClock.now - start < .seconds(60), "\(input.name)")
    }

    @Test("1 MB of prose with PII finds every occurrence")
    func longInputCounts() {
        let text = String(repeating: "Hello Bob, mail alice@example.com or call +1 555 123 4567. ", count: 20_000)
        let matches = GuardrailFixtures.allBuiltIns.scan(text)
        #expect(matches.filter { $0.detector == .email }.count == 20_000)
        #expect(matches.filter { $0.detector == .phone }.count == 20_000)
        #expect(matches.count == 40_000)
    }
}
