import AAMCore
import Foundation
import Testing

/// Text every store keeps: NUL becomes U+FFFD, in strings and in encoded JSON alike.
@Suite struct StorableTextTests {
    @Test func nulBecomesTheReplacementCharacterAndOtherTextIsUntouched() {
        #expect(StorableText.clean("\u{0}") == "\u{FFFD}")
        #expect(StorableText.clean("gpt\u{0}4\u{0}") == "gpt\u{FFFD}4\u{FFFD}")
        #expect(StorableText.clean("héllo \\u0000 ☃") == "héllo \\u0000 ☃", "the six characters \\u0000 are not a NUL")
        #expect(StorableText.clean(nil as String?) == nil)
    }

    @Test func jsonEscapesOfNulAreReplacedButAnEscapedBackslashIsNot() {
        let json = Array(#"{"a":"x\u0000y","b":"\\u0000","c":"\u00001"}"#.utf8)
        let cleaned = StorableText.cleanJSON(json).map { String(decoding: $0, as: UTF8.self) }
        #expect(cleaned == #"{"a":"x\ufffdy","b":"\\u0000","c":"\ufffd1"}"#)
        #expect(StorableText.cleanJSON(Array(#"{"a":"\\ \" \n"}"#.utf8)) == nil, "nothing to clean: nil")
        #expect(StorableText.cleanJSON([0x22, 0x00, 0x22]).map { String(decoding: $0, as: UTF8.self) } == #""\ufffd""#)
    }

    @Test func theModelNameOfTheAttackBecomesStorableInEveryField() throws {
        // The attack: {"model":"\u0000"} lands in the record's alias and attempts.
        var record = CallRecord(requestId: "req_nul", startedAt: Date(timeIntervalSince1970: 1_800_000_000.25), endpoint: "/v1/chat/completions", status: 404, outcome: .rejected)
        record.alias = "\u{0}"
        record.errorClass = "unknown_model\u{0}"
        let (stored, json) = try StorableText.storable(record)
        #expect(stored.alias == "\u{FFFD}")
        #expect(stored.errorClass == "unknown_model\u{FFFD}")
        #expect(stored.startedAt == record.startedAt)
        #expect(!String(decoding: json, as: UTF8.self).contains("\\u0000"))
        #expect(try JSONDecoder().decode(CallRecord.self, from: json) == stored)
        let plain = CallRecord(requestId: "req_ok", startedAt: Date(), endpoint: "/v1/chat/completions", status: 200, outcome: .success)
        #expect(try StorableText.storable(plain).value == plain)
    }

    @Test func auditDraftsAreCleanedBeforeHashingSoTheStoredEntryStillVerifies() {
        let draft = AuditDraft(actor: "admin:a\u{0}", action: "key.create", target: "key:\u{0}", before: nil, after: "{\"n\":\"\u{0}\"}")
        let clean = draft.storable
        #expect(clean.actor == "admin:a\u{FFFD}")
        #expect(clean.target == "key:\u{FFFD}")
        #expect(clean.before == nil)
        #expect(clean.after == "{\"n\":\"\u{FFFD}\"}")
    }
}

/// The drain's isolation of records a store refuses for their content.
@Suite struct RefusalIsolationTests {
    struct Refusal: StoreWriteRefusal { var refusesContent: Bool }

    /// A store that refuses any batch holding a poisoned item (like Postgres refusing a whole
    /// INSERT for one bad row), and records what it accepted.
    actor FakeStore {
        var stored: [Int] = []
        var writes = 0
        let poisoned: Set<Int>
        var transientFailures: Int
        init(poisoned: Set<Int>, transientFailures: Int = 0) {
            self.poisoned = poisoned
            self.transientFailures = transientFailures
        }
        func write(_ items: [Int]) throws {
            writes += 1
            if transientFailures > 0 {
                transientFailures -= 1
                throw Refusal(refusesContent: false)
            }
            if items.contains(where: poisoned.contains) { throw Refusal(refusesContent: true) }
            stored += items
        }
    }

    @Test func aWholeBatchThatIsAcceptedIsWrittenOnce() async throws {
        let store = FakeStore(poisoned: [])
        let refused = try await RefusalIsolation.write(Array(1...100), isContentRefusal: RefusalIsolation.isContentRefusal) { try await store.write($0) }
        #expect(refused.isEmpty)
        #expect(await store.stored == Array(1...100))
        #expect(await store.writes == 1)
    }

    @Test(arguments: [[1], [50], [100], [3, 4], [1, 77, 100], Array(1...100)])
    func onlyTheRefusedRecordsAreIsolatedAndTheRestIsWrittenInOrder(poisoned: [Int]) async throws {
        let store = FakeStore(poisoned: Set(poisoned))
        let items = Array(1...100)
        let refused = try await RefusalIsolation.write(items, isContentRefusal: RefusalIsolation.isContentRefusal) { try await store.write($0) }
        #expect(refused.map { items[$0.offset] } == poisoned)
        #expect(await store.stored == items.filter { !poisoned.contains($0) })
        // Bisection: a single bad record costs about 2·log2(n) writes, not n.
        if poisoned.count == 1 { #expect(await store.writes <= 2 * 8 + 1) }
    }

    @Test func aTransientFailureIsThrownAndIsolatesNothing() async throws {
        let store = FakeStore(poisoned: [5], transientFailures: 1)
        await #expect(throws: Refusal.self) {
            _ = try await RefusalIsolation.write(Array(1...10), isContentRefusal: RefusalIsolation.isContentRefusal) { try await store.write($0) }
        }
        #expect(await store.stored.isEmpty)
        // An error that is no StoreWriteRefusal at all is transient too.
        struct Unreachable: Error {}
        await #expect(throws: Unreachable.self) {
            _ = try await RefusalIsolation.write([1, 2], isContentRefusal: RefusalIsolation.isContentRefusal) { _ in throw Unreachable() }
        }
    }

    @Test func aTransientFailureWhileIsolatingIsThrownToo() async throws {
        // The first (whole-batch) write is refused for content; the next one fails transiently.
        actor Script {
            var calls = 0
            func write(_ items: [Int]) throws {
                calls += 1
                if calls == 1 { throw Refusal(refusesContent: true) }
                throw Refusal(refusesContent: false)
            }
        }
        let script = Script()
        await #expect(throws: Refusal.self) {
            _ = try await RefusalIsolation.write(Array(1...10), isContentRefusal: RefusalIsolation.isContentRefusal) { try await script.write($0) }
        }
    }
}
