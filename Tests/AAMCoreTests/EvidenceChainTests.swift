import AAMCore
import Foundation
import Testing

/// A deterministic stand-in for HMAC-SHA256: the test hash over a per-key secret and the bytes.
/// Keys are named; a verifier that lacks a key answers nil for it, like the real keyring.
struct FakeChainKeys: EvidenceAuthenticator {
    var currentKeyID: String
    var secrets: [String: String]

    init(current: String = "ck_aaaaaaaaaaaa", secrets: [String: String]? = nil) {
        currentKeyID = current
        self.secrets = secrets ?? [current: "secret-of-\(current)"]
    }

    func mac(_ bytes: [UInt8], keyID: String) -> String? {
        guard let secret = secrets[keyID] else { return nil }
        return testAuditHash(Array("\(secret)|".utf8) + bytes)
    }

    func digest(_ bytes: [UInt8]) -> String { testAuditHash(bytes) }
}

/// A keyed chain of `count` entries one second apart, continuing after `previous` if given.
func makeKeyedChain(_ count: Int, keys: FakeChainKeys, after previous: [AdminAuditEntry] = []) -> [AdminAuditEntry] {
    let chain = AuditChain(authenticator: keys)
    var entries = previous
    let start = Date(timeIntervalSince1970: 1_790_000_000.5)
    for index in 0..<count {
        let draft = AuditDraft(actor: "admin:1a2b3c4d", action: "org.update", target: "org:o\(index)", before: "{}", after: #"{"rpm":\#(index)}"#)
        entries.append(chain.next(after: entries.last, at: start.addingTimeInterval(Double(entries.count)), draft))
    }
    return Array(entries.dropFirst(previous.count))
}

func verifyKeyed(_ entries: [AdminAuditEntry], keys: FakeChainKeys = FakeChainKeys(), anchors: [Int64: String] = [:]) -> AuditChainVerifier {
    var verifier = AuditChainVerifier(authenticator: keys, anchors: anchors)
    verifier.feed(entries)
    verifier.finish()
    return verifier
}

@Suite("Evidence chain: the keyed admin audit chain, attack by attack")
struct KeyedAuditChainTests {
    let keys = FakeChainKeys()

    @Test("every link is an HMAC naming its key; an intact keyed chain verifies")
    func intact() {
        let entries = makeKeyedChain(5, keys: keys)
        #expect(entries.allSatisfy { $0.hash.hasPrefix("hmac-sha256:ck_aaaaaaaaaaaa:") })
        #expect(entries[1].previousHash == entries[0].hash)
        let verifier = verifyKeyed(entries)
        #expect(verifier.problem == nil)
        #expect(verifier.summary == "OK: 5 entries, last sequence 5, head hash \(entries[4].hash)")
    }

    @Test("an edited field is caught at its row")
    func edited() {
        var entries = makeKeyedChain(5, keys: keys)
        entries[2].action = "org.delete"
        #expect(verifyKeyed(entries).problem?.kind == .modified)
        #expect(verifyKeyed(entries).problem?.sequence == 3)
    }

    @Test("an attacker without the key who edits a row and re-hashes the rest with plain SHA-256 is caught: downgraded")
    func rehashedWithSHA() {
        var entries = makeKeyedChain(5, keys: keys)
        let legacy = AuditChain(hash: testAuditHash)
        entries[2].action = "org.delete"
        for index in 2..<5 {
            entries[index].previousHash = entries[index - 1].hash
            entries[index].hash = legacy.expectedHash(of: entries[index])
        }
        let verifier = verifyKeyed(entries)
        #expect(verifier.problem?.kind == .downgraded)
        #expect(verifier.problem?.sequence == 3)
    }

    @Test("the whole chain rewritten with plain SHA-256 (a consistent unkeyed chain) is refused: unkeyed")
    func wholeChainRewritten() {
        let rewritten = makeAuditChain(4)
        let verifier = verifyKeyed(rewritten)
        #expect(verifier.problem?.kind == .unkeyed)
        #expect(verifier.summary.hasPrefix("BROKEN at sequence 1: unkeyed (all 4 entries are unkeyed SHA-256 links"))
    }

    @Test("a link made with another key is unknown-key; a keyed-looking link with a wrong MAC is modified")
    func forgedKeys() {
        var entries = makeKeyedChain(3, keys: keys)
        let attacker = FakeChainKeys(current: "ck_bbbbbbbbbbbb")
        var forged = entries[2]
        forged.target = "org:forged"
        forged.hash = AuditChain(authenticator: attacker).link(of: forged)
        entries[2] = forged
        #expect(verifyKeyed(entries).problem?.kind == .unknownKey)

        entries[2].hash = EvidenceMAC.format(keyID: keys.currentKeyID, mac: String(repeating: "0", count: 64))
        #expect(verifyKeyed(entries).problem?.kind == .modified)
    }

    @Test("a deleted middle row is missing; a row inserted at the end without the key is caught")
    func deletedAndInserted() {
        var entries = makeKeyedChain(5, keys: keys)
        entries.remove(at: 2)
        #expect(verifyKeyed(entries).problem == AuditChainProblem(kind: .missing, sequence: 3, detail: "sequence 3 is absent; the next row present is sequence 4"))

        var extended = makeKeyedChain(3, keys: keys)
        var extra = extended[2]
        extra.sequence = 4
        extra.previousHash = extended[2].hash
        extra.hash = testAuditHash(AuditCanonicalForm.bytes(of: extra))
        extended.append(extra)
        #expect(verifyKeyed(extended).problem?.kind == .downgraded)
    }

    @Test("a truncated tail verifies alone but not against an anchor; an anchor names a replaced row")
    func truncation() {
        let entries = makeKeyedChain(6, keys: keys)
        let truncated = Array(entries.prefix(4))
        #expect(verifyKeyed(truncated).problem == nil)
        let anchored = verifyKeyed(truncated, anchors: [6: entries[5].hash])
        #expect(anchored.problem?.kind == .truncated)
        #expect(anchored.problem?.sequence == 5)
        #expect(verifyKeyed(entries, anchors: [6: entries[5].hash]).problem == nil)
        #expect(verifyKeyed(entries, anchors: [3: entries[2].hash, 5: entries[4].hash]).problem == nil)
        #expect(verifyKeyed(entries, anchors: [5: entries[3].hash]).problem?.kind == .anchorMismatch)
    }

    @Test("a legacy SHA-256 prefix followed by a keyed marker verifies; rewriting the prefix afterwards breaks the marker's link")
    func legacyUpgrade() {
        let legacy = makeAuditChain(3)
        let keyed = makeKeyedChain(2, keys: keys, after: legacy)
        let verifier = verifyKeyed(legacy + keyed)
        #expect(verifier.problem == nil)
        #expect(verifier.legacyCount == 3)
        #expect(verifier.summary.hasPrefix("OK: 5 entries (3 unkeyed, from before the chain was keyed), last sequence 5"))

        var rewritten = legacy
        rewritten[1].target = "key:rewritten"
        rewritten[1].hash = testAuditHash(AuditCanonicalForm.bytes(of: rewritten[1]))
        rewritten[2].previousHash = rewritten[1].hash
        rewritten[2].hash = testAuditHash(AuditCanonicalForm.bytes(of: rewritten[2]))
        let broken = verifyKeyed(rewritten + keyed)
        #expect(broken.problem?.kind == .relinked)
        #expect(broken.problem?.sequence == 4)
    }

    @Test("after a master-key rotation links name the new key; a verifier holding both keys verifies, one without the old key cannot")
    func rotation() {
        let old = FakeChainKeys(current: "ck_000000000001")
        let both = FakeChainKeys(current: "ck_000000000002", secrets: ["ck_000000000001": "secret-of-ck_000000000001", "ck_000000000002": "secret-of-ck_000000000002"])
        let before = makeKeyedChain(2, keys: old)
        let after = makeKeyedChain(2, keys: both, after: before)
        #expect(after.allSatisfy { $0.hash.hasPrefix("hmac-sha256:ck_000000000002:") })
        #expect(verifyKeyed(before + after, keys: both).problem == nil)
        let newOnly = FakeChainKeys(current: "ck_000000000002")
        #expect(verifyKeyed(before + after, keys: newOnly).problem?.kind == .unknownKey)
    }
}

@Suite("Evidence chain: anchors in the log and on the command line")
struct EvidenceAnchorTests {
    @Test("an anchor log line lists both heads and parses back; other lines and bad tokens are ignored")
    func logLines() {
        let audit = EvidenceAnchor(chain: .audit, sequence: 12, link: "hmac-sha256:ck_0123456789ab:" + String(repeating: "a", count: 64))
        let calls = EvidenceAnchor(chain: .calls, sequence: 3, link: "hmac-sha256:ck_0123456789ab:" + String(repeating: "b", count: 64))
        let message = EvidenceAnchor.logMessage([audit, calls])
        #expect(message.hasPrefix("evidence anchor audit=12:hmac-sha256:ck_0123456789ab:"))
        let log = """
            2030-01-01T00:00:00Z info aamd: trigger=interval [AAMServer] \(message)
            2030-01-01T00:00:01Z info aamd: unrelated line audit=99:zzz
            2030-01-01T00:00:02Z info aamd: evidence anchor audit=0:x calls=abc
            """
        #expect(EvidenceAnchor.anchors(inLog: log) == [audit, calls])
    }

    @Test("SEQ:LINK is the audit chain; chain:SEQ:LINK names one; a sequence below 1 or an empty link is refused")
    func parsing() {
        #expect(EvidenceAnchor(parsing: "7:abc") == EvidenceAnchor(chain: .audit, sequence: 7, link: "abc"))
        #expect(EvidenceAnchor(parsing: "calls:2:hmac-sha256:ck_x:ff") == EvidenceAnchor(chain: .calls, sequence: 2, link: "hmac-sha256:ck_x:ff"))
        #expect(EvidenceAnchor(parsing: "audit:0:abc") == nil)
        #expect(EvidenceAnchor(parsing: "audit:5:") == nil)
        #expect(EvidenceAnchor(parsing: "nonsense") == nil)
        #expect(EvidenceAnchor(parsing: "audit:5:a b") == nil)
    }
}

/// Batches of call-record rows as a store would chain them: `sizes` records per batch.
func makeCallChain(_ sizes: [Int], keys: FakeChainKeys) -> [(link: EvidenceChainLink, rows: [EvidenceRow])] {
    var batches: [(link: EvidenceChainLink, rows: [EvidenceRow])] = []
    var seq: Int64 = 0
    for size in sizes {
        let rows = (0..<size).map { _ -> EvidenceRow in
            seq += 1
            return EvidenceRow(seq: seq, values: [.text("req_\(seq)"), .real(1_790_000_000.25), .integer(200), .null, .text(#"{"m":"x"}"#)])
        }
        if let link = EvidenceChainLink.next(after: batches.last?.link, rows: rows, columns: "seq,request_id,started_at,status,key_id,record", at: Date(timeIntervalSince1970: 1_790_000_000), keys) {
            batches.append((link, rows))
        }
    }
    return batches
}

func verifyCalls(
    _ batches: [(link: EvidenceChainLink, rows: [EvidenceRow])], unchained: [Int64] = [], keys: FakeChainKeys = FakeChainKeys(),
    anchors: [Int64: String] = [:]
) -> CallChainVerifier {
    var verifier = CallChainVerifier(authenticator: keys, anchors: anchors)
    for batch in batches where verifier.feed(batch.link, rows: batch.rows) != nil { break }
    verifier.finish(unchained: unchained)
    return verifier
}

@Suite("Evidence chain: call-record batches, attack by attack")
struct CallChainVerifierTests {
    let keys = FakeChainKeys()

    @Test("intact batches verify; each link names its rows, count and digest and chains to the one before")
    func intact() {
        let batches = makeCallChain([3, 1, 2], keys: keys)
        #expect(batches.map(\.link.count) == [3, 1, 2])
        #expect(batches[1].link.previousMAC == batches[0].link.mac)
        #expect(batches[2].link.firstRow == 5 && batches[2].link.lastRow == 6)
        let verifier = verifyCalls(batches)
        #expect(verifier.problem == nil)
        #expect(verifier.summary == "OK: 3 batches, 6 call records, last batch 3, head MAC \(batches[2].link.mac)")
    }

    @Test("an edited record is caught by its batch's digest, including a change of type only")
    func editedRecord() {
        var batches = makeCallChain([3, 2], keys: keys)
        batches[0].rows[1].values[2] = .integer(500)
        #expect(verifyCalls(batches).problem?.kind == .modified)
        #expect(verifyCalls(batches).problem?.sequence == 1)
        var retyped = makeCallChain([3, 2], keys: keys)
        retyped[1].rows[0].values[2] = .text("200")
        #expect(verifyCalls(retyped).problem?.kind == .modified)
        #expect(verifyCalls(retyped).problem?.sequence == 2)
    }

    @Test("a deleted record is missing from its batch; an added one is inserted")
    func deletedOrAddedRecord() {
        var batches = makeCallChain([3, 2], keys: keys)
        batches[1].rows.removeLast()
        #expect(verifyCalls(batches).problem == AuditChainProblem(kind: .missing, sequence: 2, detail: "batch 2 chained 2 call records, 1 are present: records were deleted"))
        var added = makeCallChain([3, 2], keys: keys)
        added[0].rows.append(EvidenceRow(seq: 99, values: [.text("req_forged")]))
        #expect(verifyCalls(added).problem?.kind == .inserted)
    }

    @Test("a deleted middle batch (link and records) leaves a gap; a deleted last batch is caught only by an anchor")
    func deletedBatch() {
        var batches = makeCallChain([2, 2, 2], keys: keys)
        let last = batches[2].link
        batches.remove(at: 1)
        #expect(verifyCalls(batches).problem?.kind == .missing)
        #expect(verifyCalls(batches).problem?.sequence == 2)

        let truncated = Array(makeCallChain([2, 2, 2], keys: keys).prefix(2))
        #expect(verifyCalls(truncated).problem == nil)
        let anchored = verifyCalls(truncated, anchors: [3: last.mac])
        #expect(anchored.problem?.kind == .truncated)
        #expect(anchored.problem?.sequence == 3)
    }

    @Test("a record no link covers is unchained; an edited link field or a link made without the key is caught")
    func unchainedAndForgedLinks() {
        let batches = makeCallChain([2, 2], keys: keys)
        let verifier = verifyCalls(batches, unchained: [5])
        #expect(verifier.problem?.kind == .unchained)
        #expect(verifier.problem?.sequence == 5)

        var edited = batches
        edited[1].link.count = 1
        edited[1].rows.removeLast()
        #expect(verifyCalls(edited).problem?.kind == .modified)

        var rekeyed = batches
        let attacker = FakeChainKeys(current: "ck_bbbbbbbbbbbb")
        rekeyed[1].rows[0].values[0] = .text("req_rewritten")
        rekeyed[1] = (EvidenceChainLink.next(after: rekeyed[0].link, rows: rekeyed[1].rows, columns: rekeyed[1].link.columns, at: Date(), attacker)!, rekeyed[1].rows)
        #expect(verifyCalls(rekeyed).problem?.kind == .unknownKey)
    }
}
