import AAMCore
import Foundation
import Testing

/// Policies along the scope chain and the engine's decisions on whole texts.
@Suite("Guardrail policy and engine")
struct GuardrailPolicyTests {
    @Test("the strictest action along org -> team -> project -> key wins, per direction")
    func scopeChainPrecedence() {
        let org = GuardrailPolicy(request: [.email: .flag, .creditCard: .block], response: [.email: .redact])
        let team = GuardrailPolicy(request: [.email: .redact, .phone: .flag])
        let project = GuardrailPolicy(request: [.creditCard: .allow, .phone: .block])
        let key = GuardrailPolicy(request: [.email: .allow], response: [.apiKey: .block])
        let effective = EffectiveGuardrailPolicy(chain: [org, team, project, key])
        #expect(effective.action(for: .email, .request) == .redact)  // a key cannot loosen its team
        #expect(effective.action(for: .creditCard, .request) == .block)  // nor a project its org
        #expect(effective.action(for: .phone, .request) == .block)
        #expect(effective.action(for: .email, .response) == .redact)
        #expect(effective.action(for: .apiKey, .response) == .block)
        #expect(effective.action(for: .apiKey, .request) == .allow)
        #expect(effective.action(for: .jwt, .request) == .allow)
        // Order-free: the same chain reversed resolves the same.
        #expect(EffectiveGuardrailPolicy(chain: [key, project, team, org]) == effective)
    }

    @Test("GuardrailAction orders block > redact > flag > allow")
    func actionOrder() {
        #expect([GuardrailAction.flag, .block, .allow, .redact].max() == .block)
        #expect(GuardrailAction.allCases.sorted() == [.allow, .flag, .redact, .block])
    }

    @Test("denylists and custom detectors accumulate; their defaults are block and flag")
    func accumulation() {
        let org = GuardrailPolicy(denylist: ["titan"])
        let project = GuardrailPolicy(
            response: [.denylist: .redact], denylist: ["titan", "/secret-[0-9]+/"],
            customDetectors: [CustomDetector(name: "employee_id", pattern: "EMP-[0-9]{6}")])
        let effective = EffectiveGuardrailPolicy(chain: [org, project])
        #expect(effective.denylist == ["titan", "/secret-[0-9]+/"])
        #expect(effective.action(for: .denylist, .request) == .block)
        #expect(effective.action(for: .denylist, .response) == .redact)
        #expect(effective.action(for: "employee_id", .request) == .flag)
    }

    @Test("scope ids parse from and print to the admin API form")
    func scopes() {
        #expect(GuardrailScope("org:acme") == .org("acme"))
        #expect(GuardrailScope("key:k_123")?.description == "key:k_123")
        #expect(GuardrailScope("tenant:acme") == nil)
        #expect(GuardrailScope("org:") == nil)
        #expect(GuardrailScope("org:bad id") == nil)
        #expect(
            GuardrailScope.chain(orgId: "acme", teamId: nil, projectId: "bot", keyId: "k1")
                == [.org("acme"), .project("bot"), .key("k1")])
    }

    @Test("the admin API body decodes, and the effective policy encodes detectors as object keys")
    func codable() throws {
        let body = #"{"request":{"email":"redact","credit_card":"block"},"response":{"api_key":"block"},"denylist":["titan"]}"#
        let policy = try JSONDecoder().decode(GuardrailPolicy.self, from: Data(body.utf8))
        #expect(policy.request == [.email: .redact, .creditCard: .block])
        #expect(policy.response == [.apiKey: .block])
        #expect(policy.denylist == ["titan"])
        try policy.validate()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(EffectiveGuardrailPolicy(chain: [policy])), as: UTF8.self)
        #expect(json.contains(#""request":{"credit_card":"block","denylist":"block","email":"redact"}"#))
    }

    @Test("validation names the field at fault")
    func validation() {
        #expect(throws: GuardrailConfigError(field: "request.emial", message: "unknown detector")) {
            try GuardrailPolicy(request: ["emial": .redact]).validate()
        }
        #expect(throws: GuardrailConfigError.self) {
            try GuardrailPolicy(customDetectors: [CustomDetector(name: "Email", pattern: "x")]).validate()
        }
        #expect(throws: GuardrailConfigError(field: "denylist[0]", message: "invalid regular expression")) {
            try GuardrailPolicy(denylist: ["/(/"]).validate()
        }
        #expect(throws: Never.self) {
            try GuardrailPolicy(
                request: ["badge": .block], customDetectors: [CustomDetector(name: "badge", pattern: "B-[0-9]+")]
            ).validate()
        }
    }

    static let key = GuardrailFixtures.sampleAAMKey

    @Test("redact replaces each match with its typed placeholder and counts per detector")
    func redact() throws {
        let engine = try GuardrailEngine(policy: .uniform(.redact))
        let text = "Mail bob@example.com or ann@example.org — key \(Self.key), card 4111-1111-1111-1111 ✓"
        let result = engine.inspect(text, direction: .request, location: "messages[2].content")
        #expect(result.text == "Mail [EMAIL] or [EMAIL] — key [API_KEY], card [CREDIT_CARD] ✓")
        #expect(result.block == nil && result.isRedacted)
        #expect(
            result.decisions == [
                GuardrailDecision(detector: .apiKey, direction: .request, action: .redact, count: 1, location: "messages[2].content"),
                GuardrailDecision(detector: .creditCard, direction: .request, action: .redact, count: 1, location: "messages[2].content"),
                GuardrailDecision(detector: .email, direction: .request, action: .redact, count: 2, location: "messages[2].content"),
            ])
    }

    @Test("block names the detector; flag records without changing the text; evidence never holds the match")
    func blockAndFlag() throws {
        let policy = EffectiveGuardrailPolicy(chain: [
            GuardrailPolicy(request: [.apiKey: .block, .email: .flag], response: [.email: .redact])
        ])
        let engine = try GuardrailEngine(policy: policy)
        let text = "from bob@example.com: use \(Self.key)"
        let request = engine.inspect(text, direction: .request, location: "messages[0].content")
        let block = try #require(request.block)
        #expect(block.detector == .apiKey && block.action == .block && block.count == 1)
        #expect(request.decisions.map(\.action) == [.block, .flag])
        let evidence = String(decoding: try JSONEncoder().encode(request.decisions), as: UTF8.self)
        #expect(!evidence.contains(Self.key) && !evidence.contains("bob@example.com"))

        let flagOnly = engine.inspect("from bob@example.com", direction: .request, location: "system")
        #expect(flagOnly.text == "from bob@example.com" && !flagOnly.isRedacted && flagOnly.decisions.count == 1)
        let response = engine.inspect(text, direction: .response, location: "choices[0].message.content")
        #expect(response.text == "from [EMAIL]: use \(Self.key)")
    }

    @Test("an all-allow policy runs nothing")
    func inactive() throws {
        let engine = try GuardrailEngine(policy: .uniform(.allow))
        #expect(!engine.isActive(.request) && !engine.isActive(.response))
        let result = engine.inspect("bob@example.com", direction: .request, location: "x")
        #expect(result == GuardrailInspection(text: "bob@example.com"))
    }

    @Test("overlapping redactions merge: a denylist keyword inside an e-mail leaves no byte of either")
    func overlappingRedactions() throws {
        let policy = EffectiveGuardrailPolicy(chain: [
            GuardrailPolicy(request: [.email: .redact, .denylist: .redact], denylist: ["titan"])
        ])
        let engine = try GuardrailEngine(policy: policy)
        let result = engine.inspect("to titan@example.com now", direction: .request, location: "x")
        #expect(result.text == "to [EMAIL] now")
        #expect(result.decisions.map(\.detector) == [.denylist, .email])
    }
}
