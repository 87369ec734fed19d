import AAMCore
import Foundation
import Testing

@Suite("SecretValue")
struct SecretValueTests {
    static let plaintext = "sk-live-TOPSECRET-123"

    @Test("no textual rendering reveals the value")
    func neverRevealed() {
        let secret = SecretValue(Self.plaintext)
        var dumped = ""
        dump(secret, to: &dumped)
        var printed = ""
        print(secret, to: &printed)
        var debugPrinted = ""
        debugPrint(secret, to: &debugPrinted)
        var dumpedContainer = ""
        dump(["credential": secret], to: &dumpedContainer)
        struct Holder { let name: String; let credential: SecretValue }
        let holder = Holder(name: "openai", credential: secret)

        let renderings: [String] = [
            secret.description,
            secret.debugDescription,
            String(describing: secret),
            String(reflecting: secret),
            "\(secret)",
            "value=\(secret)!",
            dumped,
            dumpedContainer,
            printed,
            debugPrinted,
            String(describing: [secret]),
            String(describing: Optional(secret)),
            String(describing: ["k": secret]),
            String(describing: holder),
            String(reflecting: holder),
            String(describing: Mirror(reflecting: secret).children.map { "\($0.label ?? ""):\($0.value)" }),
        ]
        for rendering in renderings {
            #expect(!rendering.contains("TOPSECRET"), "\(rendering)")
        }
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(Mirror(reflecting: secret).children.isEmpty)
    }

    @Test("the value is available to the transport, and equality follows the value")
    func revealAndEquality() {
        #expect(SecretValue(Self.plaintext).revealForTransport() == Self.plaintext)
        #expect(SecretValue("a") == SecretValue("a"))
        #expect(SecretValue("a") != SecretValue("b"))
        #expect(SecretValue("").isEmpty)
        #expect(!SecretValue("x").isEmpty)
    }
}

@Suite("VirtualKeyFormat")
struct VirtualKeyFormatTests {
    @Test("generated keys are sk-aam- plus 40 base62 characters, look valid and are unique")
    func generate() {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let key = VirtualKeyFormat.generate()
            #expect(key.hasPrefix("sk-aam-"))
            #expect(key.utf8.count == 47)
            #expect(key.dropFirst(7).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(VirtualKeyFormat.looksValid(key))
            seen.insert(key)
        }
        #expect(seen.count == 200)
    }

    @Test("generated characters cover the whole base62 alphabet")
    func alphabetCoverage() {
        var characters: Set<Character> = []
        for _ in 0..<100 { characters.formUnion(VirtualKeyFormat.generate().dropFirst(7)) }
        #expect(characters.count == 62)
    }

    @Test("prefix is the marker plus the first 8 random characters")
    func prefix() {
        let key = "sk-aam-AbCd1234" + String(repeating: "z", count: 32)
        #expect(VirtualKeyFormat.prefix(of: key) == "sk-aam-AbCd1234")
        #expect(VirtualKeyFormat.prefixLength == 15)
        #expect(VirtualKeyFormat.prefix(of: "short") == "short")
    }

    @Test(
        "looksValid rejects anything but the exact shape",
        arguments: [
            "", "sk-aam-", "sk-aam-" + String(repeating: "a", count: 39), "sk-aam-" + String(repeating: "a", count: 41),
            "sk-AAM-" + String(repeating: "a", count: 40), "sk-abc-" + String(repeating: "a", count: 40),
            "xsk-aam-" + String(repeating: "a", count: 39), "sk-aam-" + String(repeating: "a", count: 39) + "-",
            "sk-aam-" + String(repeating: "a", count: 39) + "_", "sk-aam-" + String(repeating: "a", count: 39) + " ",
            "sk-aam-" + String(repeating: "a", count: 38) + "é", "sk-aam-" + String(repeating: "a", count: 39) + "\u{0}",
            " sk-aam-" + String(repeating: "a", count: 40),
            String(repeating: "a", count: 47),
        ])
    func looksInvalid(_ key: String) {
        #expect(!VirtualKeyFormat.looksValid(key))
    }

    @Test("looksValid accepts every base62 character")
    func looksValid() {
        #expect(VirtualKeyFormat.looksValid("sk-aam-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd"))
        #expect(VirtualKeyFormat.looksValid("sk-aam-efghijklmnopqrstuvwxyz" + String(repeating: "0", count: 18)))
    }

    @Test("random identifiers have the requested length and request ids their prefix")
    func identifiers() {
        #expect(Identifiers.random(0) == "")
        #expect(Identifiers.random(17).count == 17)
        let id = Identifiers.requestID()
        #expect(id.hasPrefix("req_") && id.count == 24)
        #expect(Identifiers.requestID() != id)
    }
}

@Suite("ManualClock")
struct ManualClockTests {
    @Test("starts where told, moves only when advanced or set")
    func moves() {
        let start = Date(timeIntervalSince1970: 1_000)
        let clock = ManualClock(start)
        #expect(clock.now() == start)
        #expect(clock.now() == start)
        clock.advance(by: 1.5)
        #expect(clock.now() == Date(timeIntervalSince1970: 1_001.5))
        clock.advance(by: -0.5)
        #expect(clock.now() == Date(timeIntervalSince1970: 1_001))
        clock.set(Date(timeIntervalSince1970: 5))
        #expect(clock.now() == Date(timeIntervalSince1970: 5))
        #expect(ManualClock().now() == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("concurrent advances are all applied")
    func concurrentAdvances() async {
        let clock = ManualClock(Date(timeIntervalSince1970: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<1_000 { clock.advance(by: 1) } } }
        }
        #expect(clock.now() == Date(timeIntervalSince1970: 8_000))
    }
}

@Suite("VirtualKey")
struct VirtualKeyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func key(expiresAt: Date? = nil, revokedAt: Date? = nil, models: [String]? = nil) -> VirtualKey {
        VirtualKey(
            id: "key_1", prefix: "sk-aam-AbCd1234", secretHash: "h", orgId: "acme", createdAt: Self.now.addingTimeInterval(-3_600),
            expiresAt: expiresAt, revokedAt: revokedAt, models: models)
    }

    @Test("refusal: usable, revoked, expired, with the boundary at exactly now")
    func refusal() {
        let now = Self.now
        #expect(key().refusal(at: now) == nil)
        #expect(key(revokedAt: now.addingTimeInterval(-1)).refusal(at: now) == .revoked)
        #expect(key(revokedAt: now).refusal(at: now) == .revoked)
        #expect(key(revokedAt: now.addingTimeInterval(0.001)).refusal(at: now) == nil, "a revocation scheduled for later (rotation grace) is not yet in force")
        #expect(key(expiresAt: now.addingTimeInterval(-1)).refusal(at: now) == .expired)
        #expect(key(expiresAt: now).refusal(at: now) == .expired)
        #expect(key(expiresAt: now.addingTimeInterval(0.001)).refusal(at: now) == nil)
        #expect(key(expiresAt: now.addingTimeInterval(-1), revokedAt: now.addingTimeInterval(-1)).refusal(at: now) == .revoked, "revocation is reported before expiry")
    }

    @Test("a rotated-out secret is refused as rotated once its grace period ends (boundary at exactly now)")
    func graceSecret() {
        let now = Self.now
        var rotated = key()
        rotated.graceSecretHash = "old"
        rotated.graceUntil = now.addingTimeInterval(0.001)
        #expect(rotated.refusal(at: now, viaGraceSecret: true) == nil)
        rotated.graceUntil = now
        #expect(rotated.refusal(at: now, viaGraceSecret: true) == .rotated)
        #expect(rotated.refusal(at: now) == nil, "the current secret is unaffected")
        rotated.graceUntil = nil
        #expect(rotated.refusal(at: now, viaGraceSecret: true) == .rotated, "no grace deadline means no grace")
        #expect(GatewayError.invalidKey(.rotated).status == 401)
    }

    @Test("refusal follows a ManualClock as it moves past expiry")
    func refusalOverTime() {
        let clock = ManualClock(Self.now)
        let expiring = key(expiresAt: Self.now.addingTimeInterval(60))
        #expect(expiring.refusal(at: clock.now()) == nil)
        clock.advance(by: 59.999)
        #expect(expiring.refusal(at: clock.now()) == nil)
        clock.advance(by: 0.001)
        #expect(expiring.refusal(at: clock.now()) == .expired)
    }

    @Test("allows(alias:): nil allows every alias, a list only its members, an empty list none")
    func allows() {
        #expect(key().allows(alias: "anything"))
        let limited = key(models: ["fast", "smart"])
        #expect(limited.allows(alias: "fast"))
        #expect(limited.allows(alias: "smart"))
        #expect(!limited.allows(alias: "Fast"))
        #expect(!limited.allows(alias: "fast "))
        #expect(!limited.allows(alias: "other"))
        #expect(!key(models: []).allows(alias: "fast"))
    }

    @Test("the snapshot lists the aliases a key may see, sorted")
    func visibleAliases() {
        var state = ConfigState()
        state.aliases["zeta"] = AliasSettings(name: "zeta")
        state.deployments["d"] = Deployment(id: "d", alias: "alpha", provider: "p", upstreamModel: "m")
        state.deployments["e"] = Deployment(id: "e", alias: "mid", provider: "p", upstreamModel: "m")
        let snapshot = ConfigSnapshot(state: state, version: 1)
        #expect(snapshot.aliases(visibleTo: key()) == ["alpha", "mid", "zeta"])
        #expect(snapshot.aliases(visibleTo: key(models: ["zeta", "alpha", "ghost"])) == ["alpha", "zeta"])
    }
}

@Suite("Slug")
struct SlugTests {
    @Test(
        "valid slugs",
        arguments: ["a", "A", "0", "acme", "team-1", "gpt-4o.mini", "a_b", "x-", "9.9", String(repeating: "a", count: 64)])
    func valid(_ slug: String) {
        #expect(Slug.isValid(slug))
    }

    @Test(
        "invalid slugs",
        arguments: [
            "", "-a", "_a", ".a", "a b", "a/b", "a:b", "é", "aé", "a\n", String(repeating: "a", count: 65), "a@b",
            "../etc", "a\u{0}", "🙂",
        ])
    func invalid(_ slug: String) {
        #expect(!Slug.isValid(slug))
    }
}
