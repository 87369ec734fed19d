import AAMCore

/// Shared helpers for the guardrail tests: scan with a detector set and see what matched.
enum GuardrailFixtures {
    static let allBuiltIns = try! GuardrailScanner(detectors: GuardrailDetector.builtInPatterns)

    /// The (detector, matched text) pairs for `text`. Tests may look at matched text; the
    /// engine's own results never carry it.
    static func hits(_ text: String, scanner: GuardrailScanner = allBuiltIns) -> [Hit] {
        let bytes = Array(text.utf8)
        return scanner.scan(text).map { Hit($0.detector, String(decoding: bytes[$0.range], as: UTF8.self)) }
    }

    struct Hit: Hashable, CustomStringConvertible {
        var detector: GuardrailDetector
        var text: String
        init(_ detector: GuardrailDetector, _ text: String) {
            self.detector = detector
            self.text = text
        }
        var description: String { "\(detector): \(text)" }
    }

    /// A deterministic pseudo-random base62 string (tests must not depend on a real RNG).
    static func base62(_ count: Int, seed: UInt64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var state = seed
        return String((0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return alphabet[Int(state >> 33) % alphabet.count]
        })
    }

    static let samplePEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
        VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
        -----END RSA PRIVATE KEY-----
        """
    static let sampleJWT =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    static let sampleAAMKey = "sk-aam-" + base62(40, seed: 7)
}
