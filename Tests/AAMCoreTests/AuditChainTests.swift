import AAMCore
import Foundation
import Testing

/// A deterministic stand-in for SHA-256 (FNV-1a 64, four rounds with different seeds = 64 hex
/// digits): AAMCore takes the hash as a parameter and stays free of crypto libraries.
let testAuditHash: AuditHashFunction = { bytes in
    var output = ""
    for seed in [0xcbf2_9ce4_8422_2325 as UInt64, 0x1000, 0x2000, 0x3000] {
        var value = seed
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let hex = String(value, radix: 16)
        output += String(repeating: "0", count: 16 - hex.count) + hex
    }
    return output
}

/// Builds a chain of `count` entries one second apart, as the server's audit log would.
func makeAuditChain(_ count: Int, start: Date = Date(timeIntervalSince1970: 1_790_000_000.123_456)) -> [AdminAuditEntry] {
    let chain = AuditChain(hash: testAuditHash)
    var entries: [AdminAuditEntry] = []
    for index in 0..<count {
        let draft = AuditDraft(
            actor: index % 2 == 0 ? "admin:1a2b3c4d" : "operator:alice", action: "key.rotate", target: "key:k_\(index + 1)",
            before: #"{"id":"k_\#(index + 1)","revokedAt":null}"#, after: index == 2 ? nil : #"{"id":"k_\#(index + 1)"}"#)
        entries.append(chain.next(after: entries.last, at: start.addingTimeInterval(Double(index)), draft))
    }
    return entries
}

@Suite("Audit chain: canonical form and building")
struct AuditChainBuildTests {
    @Test("the canonical form lists every field but the hash, length-prefixed, in a fixed order")
    func canonicalBytes() {
        let entry = AdminAuditEntry(
            sequence: 7, at: Date(timeIntervalSince1970: 1_790_000_000.5), actor: "admin:ab", channel: "api",
            action: "key.create", target: "key:k1", before: nil, after: "{\"a\":1}", previousHash: "ff", hash: "ignored")
        let text = String(decoding: AuditCanonicalForm.bytes(of: entry), as: UTF8.self)
        #expect(text == """
            aam-audit-v1
            sequence 7
            at 1790000000500
            actor 8:admin:ab
            channel 3:api
            action 10:key.create
            target 6:key:k1
            before -
            after 7:{"a":1}
            previousHash 2:ff

            """)
        var rehashed = entry
        rehashed.hash = "something else"
        #expect(AuditCanonicalForm.bytes(of: rehashed) == AuditCanonicalForm.bytes(of: entry))
    }

    @Test("absent and empty differ, and a value cannot forge a field boundary")
    func unambiguous() {
        let base = AdminAuditEntry(
            sequence: 1, at: Date(timeIntervalSince1970: 0), actor: "a", channel: "api", action: "x", target: "t",
            before: nil, after: "", previousHash: AuditCanonicalForm.genesisHash, hash: "")
        var empty = base
        empty.before = ""
        #expect(AuditCanonicalForm.bytes(of: base) != AuditCanonicalForm.bytes(of: empty))
        // Moving text between two adjacent fields keeps the concatenation but not the bytes.
        var shifted = base
        shifted.actor = "a\nchannel 3:api"
        var split = base
        split.channel = "api\nchannel 3:api"
        #expect(AuditCanonicalForm.bytes(of: shifted) != AuditCanonicalForm.bytes(of: split))
        var left = base
        left.action = "xy"
        left.target = "t"
        var right = base
        right.action = "x"
        right.target = "yt"
        #expect(AuditCanonicalForm.bytes(of: left) != AuditCanonicalForm.bytes(of: right))
    }

    @Test("time is whole milliseconds and survives a Double or ISO 8601 round trip")
    func millisecondTime() throws {
        let entries = makeAuditChain(1)
        let entry = entries[0]
        #expect(AuditCanonicalForm.milliseconds(entry.at) == 1_790_000_000_123)
        let viaDouble = Date(timeIntervalSince1970: entry.at.timeIntervalSince1970)
        let viaMilliseconds = Date(timeIntervalSince1970: Double(AuditCanonicalForm.milliseconds(entry.at)) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let viaISO = try #require(formatter.date(from: formatter.string(from: entry.at)))
        for date in [viaDouble, viaMilliseconds, viaISO] {
            var copy = entry
            copy.at = date
            #expect(AuditChain(hash: testAuditHash).expectedHash(of: copy) == entry.hash)
        }
    }

    @Test("each entry follows the previous: sequence + 1, previousHash = its hash, channel from the actor")
    func chaining() {
        let entries = makeAuditChain(3)
        #expect(entries.map(\.sequence) == [1, 2, 3])
        #expect(entries[0].previousHash == AuditCanonicalForm.genesisHash)
        #expect(entries[1].previousHash == entries[0].hash)
        #expect(entries[2].previousHash == entries[1].hash)
        #expect(entries.map(\.channel) == ["api", "console", "api"])
        #expect(Set(entries.map(\.hash)).count == 3)
        #expect(entries.allSatisfy { $0.hash.count == 64 })
    }

    @Test("channels derive from the actor prefix")
    func channels() {
        #expect(AuditChannel.of(actor: "admin:1a2b3c4d") == "api")
        #expect(AuditChannel.of(actor: "cli:alice via admin:1a2b3c4d") == "cli")
        #expect(AuditChannel.of(actor: "operator:root") == "console")
        #expect(AuditChannel.of(actor: "config:aam.yaml") == "config")
        #expect(AuditChannel.of(actor: "system") == "system")
    }
}

@Suite("Audit chain: verification, event by event")
struct AuditChainVerifierTests {
    func verify(_ entries: [AdminAuditEntry]) -> AuditChainVerifier {
        var verifier = AuditChainVerifier(hash: testAuditHash)
        verifier.feed(entries)
        return verifier
    }

    @Test("an intact chain verifies, entry by entry, and reports its head")
    func intact() {
        let entries = makeAuditChain(5)
        var verifier = AuditChainVerifier(hash: testAuditHash)
        #expect(verifier.summary == "OK: 0 entries, last sequence 0, head hash \(AuditCanonicalForm.genesisHash)")
        for (index, entry) in entries.enumerated() {
            #expect(verifier.feed(entry) == nil)
            #expect(verifier.count == index + 1)
            #expect(verifier.headHash == entry.hash)
        }
        #expect(verifier.summary == "OK: 5 entries, last sequence 5, head hash \(entries[4].hash)")
    }

    @Test("a field edited in place: modified at that row")
    func modified() {
        for field in ["actor", "at", "action", "target", "before", "after"] {
            var entries = makeAuditChain(5)
            switch field {
            case "actor": entries[2].actor = "admin:ffffffff"
            case "at": entries[2].at = entries[2].at.addingTimeInterval(0.001)
            case "action": entries[2].action = "key.revoke"
            case "target": entries[2].target = "key:k_9"
            case "before": entries[2].before = nil
            default: entries[2].after = "{}"
            }
            let verifier = verify(entries)
            #expect(verifier.problem == AuditChainProblem(kind: .modified, sequence: 3, detail: "its content does not match its hash"), "\(field)")
            #expect(verifier.count == 2)
        }
        var entries = makeAuditChain(5)
        entries[0].channel = "console"
        #expect(verify(entries).summary == "BROKEN at sequence 1: modified (its content does not match its hash)")
    }

    @Test("a row edited and re-hashed: the next row no longer links to it")
    func rehashed() {
        var entries = makeAuditChain(5)
        entries[2].action = "key.revoke"
        entries[2].hash = AuditChain(hash: testAuditHash).expectedHash(of: entries[2])
        #expect(verify(entries).summary == "BROKEN at sequence 4: relinked (its previousHash does not match the hash of sequence 3: a row before it was replaced or rows were deleted and renumbered)")
    }

    @Test("deleted rows: missing at the first absent sequence")
    func deleted() {
        var entries = makeAuditChain(5)
        entries.remove(at: 2)
        #expect(verify(entries).summary == "BROKEN at sequence 3: missing (sequence 3 is absent; the next row present is sequence 4)")
        entries.remove(at: 1)
        #expect(verify(entries).problem == AuditChainProblem(kind: .missing, sequence: 2, detail: "sequences 2-3 are absent; the next row present is sequence 4"))
        var first = makeAuditChain(3)
        first.removeFirst()
        #expect(verify(first).summary == "BROKEN at sequence 1: missing (sequence 1 is absent; the next row present is sequence 2)")
    }

    @Test("a deleted row with the rest renumbered: relinked where the gap was closed")
    func renumbered() {
        var entries = makeAuditChain(5)
        entries.remove(at: 2)
        for index in 2..<entries.count {
            entries[index].sequence -= 1
            entries[index].hash = AuditChain(hash: testAuditHash).expectedHash(of: entries[index])
        }
        #expect(verify(entries).problem?.kind == .relinked)
        #expect(verify(entries).problem?.sequence == 3)
    }

    @Test("a forged row appended or slipped in: inserted")
    func inserted() {
        var entries = makeAuditChain(4)
        entries.append(AdminAuditEntry(
            sequence: 5, at: Date(), actor: "admin:1a2b3c4d", channel: "api", action: "key.create", target: "key:evil",
            before: nil, after: "{}", previousHash: String(repeating: "a", count: 64), hash: String(repeating: "b", count: 64)))
        #expect(verify(entries).summary == "BROKEN at sequence 5: inserted (its previousHash does not match the hash of sequence 4 and its hash does not match its content)")

        var duplicated = makeAuditChain(4)
        var forged = duplicated[2]
        forged.target = "key:evil"
        duplicated.insert(forged, at: 3)
        #expect(verify(duplicated).summary == "BROKEN at sequence 3: inserted (a second row with sequence 3)")
    }

    @Test("a chain that does not start from the genesis hash")
    func genesis() {
        var entries = makeAuditChain(2)
        entries[0].previousHash = String(repeating: "1", count: 64)
        #expect(verify(entries).summary == "BROKEN at sequence 1: inserted (its previousHash does not match the genesis hash and its hash does not match its content)")
        entries[0].hash = AuditChain(hash: testAuditHash).expectedHash(of: entries[0])
        #expect(verify(entries).problem?.kind == .relinked)
        #expect(verify(entries).problem?.sequence == 1)
    }

    @Test("sequences going backwards: out of order; only the first problem is reported")
    func outOfOrder() {
        let entries = makeAuditChain(4)
        var verifier = AuditChainVerifier(hash: testAuditHash)
        verifier.feed([entries[0], entries[1], entries[2], entries[1], entries[3]])
        #expect(verifier.summary == "BROKEN at sequence 2: out-of-order (sequence 2 read after sequence 3)")
        // Later entries change nothing once broken.
        #expect(verifier.feed(entries[3])?.sequence == 2)
        #expect(verifier.count == 3)
    }
}
