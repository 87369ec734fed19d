import AAMCore
import Testing

private typealias Hit = GuardrailFixtures.Hit

/// Each built-in detector: what it must find (whole, and only that) and the near misses it must
/// leave alone.
@Suite("Guardrail detectors")
struct GuardrailDetectorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var detector: String
        var match: String
        var testDescription: String { "\(detector) in \(text.prefix(40))" }
    }

    static let positives: [Case] = [
        Case(text: "write to alice.smith+tag@example.co.uk.", detector: "email", match: "alice.smith+tag@example.co.uk"),
        Case(text: "<bob_99@mail.example.com>", detector: "email", match: "bob_99@mail.example.com"),
        Case(text: "call +1 (555) 123-4567 now", detector: "phone", match: "+1 (555) 123-4567"),
        Case(text: "tel:+4915112345678", detector: "phone", match: "+4915112345678"),
        Case(text: "UK office +44 20 7946 0958.", detector: "phone", match: "+44 20 7946 0958"),
        Case(text: "US (555) 123-4567 or", detector: "phone", match: "(555) 123-4567"),
        Case(text: "dial 555-123-4567", detector: "phone", match: "555-123-4567"),
        Case(text: "dial 555.123.4567", detector: "phone", match: "555.123.4567"),
        Case(text: "mobile 06 12 34 56 78", detector: "phone", match: "06 12 34 56 78"),
        Case(text: "Berlin 030 12345678", detector: "phone", match: "030 12345678"),
        Case(text: "card 4111 1111 1111 1111 exp", detector: "credit_card", match: "4111 1111 1111 1111"),
        Case(text: "card 4111-1111-1111-1111", detector: "credit_card", match: "4111-1111-1111-1111"),
        Case(text: "mc 5555555555554444.", detector: "credit_card", match: "5555555555554444"),
        Case(text: "amex 3782 822463 10005", detector: "credit_card", match: "3782 822463 10005"),
        Case(text: "ssn 123-45-6789", detector: "ssn", match: "123-45-6789"),
        Case(text: "ssn 123 45 6789;", detector: "ssn", match: "123 45 6789"),
        Case(text: "IBAN DE89 3704 0044 0532 0130 00 please", detector: "iban", match: "DE89 3704 0044 0532 0130 00"),
        Case(text: "GB82WEST12345698765432", detector: "iban", match: "GB82WEST12345698765432"),
        Case(text: "(FR1420041010050500013M02606)", detector: "iban", match: "FR1420041010050500013M02606"),
        Case(text: "host 192.168.1.10:8080", detector: "ip_address", match: "192.168.1.10"),
        Case(text: "net 10.0.0.0/8", detector: "ip_address", match: "10.0.0.0"),
        Case(text: "v6 2001:db8::1 ok", detector: "ip_address", match: "2001:db8::1"),
        Case(text: "lo ::1", detector: "ip_address", match: "::1"),
        Case(text: "[fe80::1ff:fe23:4567:890a]", detector: "ip_address", match: "fe80::1ff:fe23:4567:890a"),
        Case(text: "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334", detector: "ip_address", match: "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
        Case(text: "mapped ::ffff:192.0.2.128", detector: "ip_address", match: "::ffff:192.0.2.128"),
        Case(text: "id AKIAIOSFODNN7EXAMPLE", detector: "aws_access_key", match: "AKIAIOSFODNN7EXAMPLE"),
        Case(text: "\"ASIAY34FZKBOKMUTVV7A\"", detector: "aws_access_key", match: "ASIAY34FZKBOKMUTVV7A"),
        Case(
            text: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", detector: "aws_access_key",
            match: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        Case(
            text: "my AWS secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok", detector: "aws_access_key",
            match: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        Case(text: "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", detector: "github_token", match: "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
        Case(
            text: "t=github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyzABCDEFGHIJ0123456789", detector: "github_token",
            match: "github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"),
        Case(text: "glpat-abcdefghij0123456789 end", detector: "gitlab_token", match: "glpat-abcdefghij0123456789"),
        Case(text: "xoxb-1234567890-abcdefghij", detector: "slack_token", match: "xoxb-1234567890-abcdefghij"),
        Case(text: "key sk-proj-abc123DEF456ghi789JKL012mno", detector: "api_key", match: "sk-proj-abc123DEF456ghi789JKL012mno"),
        Case(text: "sk-ant-api03-abcdefghij0123456789XYZ-_x", detector: "api_key", match: "sk-ant-api03-abcdefghij0123456789XYZ-_x"),
        Case(text: "Bearer sk-Abc123Def456Ghi789Jkl012Mno345Pqr678Stu901Vwx2", detector: "api_key", match: "sk-Abc123Def456Ghi789Jkl012Mno345Pqr678Stu901Vwx2"),
        Case(text: "our \(GuardrailFixtures.sampleAAMKey).", detector: "api_key", match: GuardrailFixtures.sampleAAMKey),
        Case(text: "key:\n\(GuardrailFixtures.samplePEM)\nthanks", detector: "private_key", match: GuardrailFixtures.samplePEM),
        Case(
            text: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
            detector: "private_key",
            match: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"),
        Case(text: "Authorization: Bearer \(GuardrailFixtures.sampleJWT)", detector: "jwt", match: GuardrailFixtures.sampleJWT),
        Case(text: "export API_TOKEN=x7Kp9mQ2vL4nR8sTq3Zw", detector: "high_entropy_secret", match: "x7Kp9mQ2vL4nR8sTq3Zw"),
        Case(text: "{\"client_secret\": \"aB3dE5fG7hJ9kL1mN3pQ\"}", detector: "high_entropy_secret", match: "aB3dE5fG7hJ9kL1mN3pQ"),
        Case(text: "db_password: 'Xk9#mQ2$vL'", detector: "high_entropy_secret", match: "Xk9#mQ2$vL"),
        Case(text: "secret = \"4f9a1c7e2b8d3f6a0c5e9b1d7f3a8c2e\"", detector: "high_entropy_secret", match: "4f9a1c7e2b8d3f6a0c5e9b1d7f3a8c2e"),
    ]

    @Test("finds the whole match", arguments: positives)
    func truePositive(_ c: Case) {
        let hits = GuardrailFixtures.hits(c.text)
        #expect(hits == [Hit(GuardrailDetector(c.detector), c.match)])
    }

    static let nearMisses: [String] = [
        // e-mail
        "decorators like @MainActor and @available(macOS 15, *)", "user@localhost", "a@b.c", "name@@example.com",
        // phone: plain long numbers, dates, thousands, versions
        "order 123456789012 shipped", "ts 20240115103000", "on 2024-01-15", "population 1 000 000 000",
        "1 2 3 4 5 6 7 8 9 10 11 12", "build 12.34.5678", "pi 3.14159265358",
        // credit card: failed Luhn, wrong issuer digit
        "card 4111 1111 1111 1112", "card 4111111111111112", "id 1234567812345670", "9999 9999 9999 9995",
        // SSN: never-issued ranges
        "000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "078-05-1120", "123456789",
        // IBAN: wrong checksum, wrong length, unknown country
        "DE89 3704 0044 0532 0130 01", "DE88370400440532013000", "DE8937040044053201300", "ZZ89370400440532013000",
        // IP lookalikes
        "v1.2.3.4", "release 1.2.3.4.5", "256.1.1.1", "10.0.0.256", "01.02.03.04", "version 1.2.3",
        "at 12:30:45", "mac 00:1A:2B:3C:4D:5E", "std::vector<int> and Foo::bar", "abc::def", "dead:beef",
        // tokens with a wrong prefix or too short
        "AKIA1234", "AKIAIOSFODNN7EXAMPL", "XKIAIOSFODNN7EXAMPLE1", "ghp_short", "ghx_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "glpat-short", "xoxz-1234567890-abcdefghij", "sk-learn-is-a-python-library", "ask-abc123DEF456ghi789JKL012",
        "sk-aam-tooShort1",
        // AWS secret without context, git SHAs
        "commit 3f786850e387550fdab836ed7e6dc881de23001b", "value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here",
        // PEM: public material
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        // JWT: header is not JSON with alg
        "eyJub3RhbGciOiJ4In0.eyJzdWIiOiIxIn0.sig", "eyJhbGciOiJIUzI1NiJ9", "eyJ.abc.def",
        // low-entropy assignments
        "password=changeme", "password: password123", "token = getToken()", "api_key: ${OPENAI_API_KEY}",
        "secret = generate_secret(32)", "\"password\": \"correcthorsebatterystaple\"", "max_tokens: 4096",
        "if token == expectedTokenValue123 {", "password = <your-password-here>", "token: string;",
        // ordinary prose
        "The quick brown fox jumps over the lazy dog. Ask me anything at all — 42 is the answer.",
        "We shipped version 2.4.1 on March 3rd; 17 of 20 tests passed (85%).",
    ]

    @Test("near misses and ordinary text do not fire", arguments: nearMisses)
    func nearMiss(_ text: String) {
        #expect(GuardrailFixtures.hits(text) == [])
    }

    @Test("a number with both a card and a trailing number keeps the Luhn-valid card")
    func cardFollowedByNumber() {
        #expect(GuardrailFixtures.hits("4111 1111 1111 1111 2030") == [Hit(.creditCard, "4111 1111 1111 1111")])
    }

    @Test("a specific secret detector wins over high_entropy_secret for the same value")
    func specificBeatsGeneric() {
        let text = "OPENAI_API_KEY=sk-proj-abc123DEF456ghi789JKL012mno"
        #expect(GuardrailFixtures.hits(text) == [Hit(.apiKey, "sk-proj-abc123DEF456ghi789JKL012mno")])
    }

    @Test("an unterminated private key runs to the end of the text")
    func unterminatedPEM() throws {
        let text = "here: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
        let matches = GuardrailFixtures.allBuiltIns.scan(text)
        let match = try #require(matches.first)
        #expect(matches.count == 1 && match.detector == .privateKey && match.isUnterminated)
        #expect(match.range == 6..<text.utf8.count)
    }
}
