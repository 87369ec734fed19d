import AAMCore
import Testing

/// Issue 13 item 9: a custom guardrail pattern that can backtrack without bound is refused when
/// it is registered (a clear error naming the field), so it can never stall a request.
@Suite struct RegexSafetyTests {
    @Test(arguments: [#"(a+)+$"#, #"(\w+\s?)*$"#, #"(?:x*y?)+"#, #"([a-z]+)*"#, #"(a|b+){2,}"#, #"((ab)*c)+"#, #"(\d{1,5})+x"#, #"(a)\1"#, #"(?<n>a)\k<n>"#])
    func catastrophicShapesAreRefused(_ pattern: String) {
        #expect(RegexSafety.problem(pattern) != nil, "\(pattern)")
    }

    @Test(arguments: [
        #"[A-Z]{2}\d{6}"#, #"(?:ab)+"#, #"ref:([A-Z0-9]+)"#, #"(ab+){3}"#, #"(\d+)?x"#, #"\b\d{3}-\d{2}-\d{4}\b"#, #"[(+)]+"#,
        #"\Q(a+)+\E"#, #"(?i:secret-[a-z0-9]{8,40})"#, #"\0"#,
    ])
    func ordinaryPatternsPass(_ pattern: String) {
        #expect(RegexSafety.problem(pattern) == nil, "\(pattern)")
    }

    @Test func longPatternsAreRefused() {
        #expect(RegexSafety.problem(String(repeating: "a", count: RegexSafety.maxLength + 1))?.contains("longer") == true)
    }

    @Test func theClassicPatternIsRefusedAtRegistrationNamingTheField() throws {
        #expect(throws: GuardrailConfigError.self) {
            try GuardrailPolicy(customDetectors: [CustomDetector(name: "evil", pattern: #"(a+)+$"#)]).validate()
        }
        #expect {
            try GuardrailPolicy(denylist: [#"/(a+)+$/"#]).validate()
        } throws: { error in
            (error as? GuardrailConfigError)?.field == "denylist[0]" && (error as? GuardrailConfigError)?.message.contains("backtrack") == true
        }
    }
}
