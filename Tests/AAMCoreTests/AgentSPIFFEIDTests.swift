import AAMCore
import Foundation
import Testing

/// SPIFFE ID syntax as SPIFFE-ID.md §2 states it, with the examples the specification gives.
@Suite struct AgentSPIFFEIDTests {
    @Test(arguments: [
        "spiffe://staging.example.com/payments/mysql",
        "spiffe://staging.example.com/payments/web-fe",
        "spiffe://k8s-west.example.com/ns/staging/sa/default",
        "spiffe://example.com/9eebccd2-12bf-40a6-b262-65fe0487d453",
        "spiffe://prod/agent/finance-analyst",
        "spiffe://example.com",
        "spiffe://trust_domain-1.x/Path.With_Mixed-Case/..a/a..",
    ])
    func validIDsParse(text: String) throws {
        let id = try SPIFFEID(text)
        #expect(id.description == text)
    }

    @Test func trustDomainAndPathAreSplit() throws {
        let id = try SPIFFEID("spiffe://k8s-west.example.com/ns/staging/sa/default")
        #expect(id.trustDomain == "k8s-west.example.com")
        #expect(id.path == "/ns/staging/sa/default")
        let root = try SPIFFEID("spiffe://example.com")
        #expect(root.trustDomain == "example.com")
        #expect(root.path == "")
    }

    @Test(arguments: [
        ("", SPIFFEIDError.empty),
        ("http://example.com/x", .wrongScheme),
        ("SPIFFE://example.com/x", .wrongScheme),
        ("spiffe:/example.com/x", .wrongScheme),
        ("example.com/x", .wrongScheme),
        ("spiffe://", .missingTrustDomain),
        ("spiffe:///x", .missingTrustDomain),
        ("spiffe://Example.com/x", .trustDomainCharacter("E")),
        ("spiffe://exa mple.com/x", .trustDomainCharacter("\\x20")),
        ("spiffe://user@example.com/x", .userInfo),
        ("spiffe://example.com:8443/x", .port),
        ("spiffe://example.com:/x", .port),
        ("spiffe://example.com/x?debug=1", .query),
        ("spiffe://example.com?x", .query),
        ("spiffe://example.com/x#frag", .fragment),
        ("spiffe://example.com//x", .emptySegment),
        ("spiffe://example.com/a//b", .emptySegment),
        ("spiffe://example.com/x/", .trailingSlash),
        ("spiffe://example.com/", .trailingSlash),
        ("spiffe://example.com/./x", .dotSegment),
        ("spiffe://example.com/x/..", .dotSegment),
        ("spiffe://example.com/a b", .pathCharacter("\\x20")),
        ("spiffe://example.com/caf%C3%A9", .pathCharacter("%")),
        ("spiffe://example.com/café", .pathCharacter("\\xC3")),
        ("spiffe://example.com/agent*", .pathCharacter("*")),
    ])
    func invalidIDsAreRefusedWithTheRuleTheyBreak(text: String, error: SPIFFEIDError) {
        #expect(throws: error) { try SPIFFEID(text) }
        #expect(!SPIFFEID.isValid(text))
    }

    @Test func lengthLimitIs2048BytesForTheWholeID() throws {
        let prefix = "spiffe://example.com/"
        let longest = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(try SPIFFEID(longest).description.utf8.count == 2048)
        #expect(throws: SPIFFEIDError.tooLong(2049)) { try SPIFFEID(longest + "b") }
    }

    @Test func trustDomainIsAtMost255Bytes() throws {
        let domain255 = String(repeating: "a", count: 255)
        #expect(try SPIFFEID("spiffe://\(domain255)/x").trustDomain.utf8.count == 255)
        #expect(throws: SPIFFEIDError.trustDomainTooLong(256)) { try SPIFFEID("spiffe://\(domain255)a/x") }
    }

    @Test func errorsReadAsSentences() {
        #expect(SPIFFEIDError.port.description == "a port (':') is not allowed in the trust domain")
        #expect(
            SPIFFEIDError.trustDomainCharacter("P").description
                == "trust domain may only hold lowercase letters, digits, '.', '-' and '_' (found 'P')")
        #expect(SPIFFEIDError.tooLong(4000).description == "is 4000 bytes long (at most 2048)")
    }

    /// 20,000 random near-IDs: the parser accepts exactly what a regular expression written
    /// from the specification accepts (plus its `.`/`..` and length rules).
    @Test func parserAgreesWithAReferenceGrammarOnRandomInput() throws {
        let grammar = try NSRegularExpression(pattern: "^spiffe://[a-z0-9._-]{1,255}(/[A-Za-z0-9._-]+)*$")
        let pieces = ["spiffe://", "spiffe:/", "SPIFFE://", "a", "Z", "0", ".", "..", "-", "_", "/", "//", "?", "#", ":", "@", "%", " ", "é", "prod", "x.y"]
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var accepted = 0
        for _ in 0..<20_000 {
            var text = next(4) == 0 ? "" : "spiffe://"
            for _ in 0..<next(8) { text += pieces[next(pieces.count)] }
            let range = NSRange(text.startIndex..., in: text)
            let segments = text.dropFirst("spiffe://".count).split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            let expected = grammar.firstMatch(in: text, range: range) != nil && !segments.contains { $0 == "." || $0 == ".." }
            #expect(SPIFFEID.isValid(text) == expected, "\(text)")
            if expected { accepted += 1 }
        }
        #expect(accepted > 500, "the generator must produce valid IDs too")
    }

    @Test func subjectPatternCoversDescendantsOnly() throws {
        let agents = try WorkloadSubject("spiffe://prod/agent/*")
        #expect(agents == .below(try SPIFFEID("spiffe://prod/agent")))
        #expect(agents.description == "spiffe://prod/agent/*")
        #expect(agents.matches(try SPIFFEID("spiffe://prod/agent/x")))
        #expect(agents.matches(try SPIFFEID("spiffe://prod/agent/x/y")))
        #expect(!agents.matches(try SPIFFEID("spiffe://prod/agent")))
        #expect(!agents.matches(try SPIFFEID("spiffe://prod/agents/x")))
        #expect(!agents.matches(try SPIFFEID("spiffe://prod2/agent/x")))
        let domain = try WorkloadSubject("spiffe://prod/*")
        #expect(domain.matches(try SPIFFEID("spiffe://prod/a")))
        #expect(!domain.matches(try SPIFFEID("spiffe://prod")))
        #expect(!domain.matches(try SPIFFEID("spiffe://production/a")))
        let exact = try WorkloadSubject("spiffe://prod/agent/a")
        #expect(exact.matches(try SPIFFEID("spiffe://prod/agent/a")))
        #expect(!exact.matches(try SPIFFEID("spiffe://prod/agent/a/b")))
        #expect(throws: SPIFFEIDError.pathCharacter("*")) { try WorkloadSubject("spiffe://prod/agent*") }
        #expect(throws: SPIFFEIDError.pathCharacter("*")) { try WorkloadSubject("spiffe://prod/*/x") }
    }
}
