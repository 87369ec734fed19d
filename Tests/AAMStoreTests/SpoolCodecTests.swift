import AAMCore
import Foundation
import Testing

@testable import AAMStore

/// The spool's payload formats: binary call records, JSON audit entries, and JSON call records
/// left by a spool written before the binary format.
@Suite struct SpoolCodecTests {
    /// Every field set, unusual values included (negative, large, non-ASCII, sub-microsecond dates).
    static func fullRecord() -> CallRecord {
        var record = CallRecord(
            requestId: "req_ü_1", startedAt: Date(timeIntervalSinceReferenceDate: 817_000_000.123_456_789), keyId: "k_1",
            keyPrefix: "aam_sk_ab", orgId: "acme", teamId: "ml", projectId: "chat-ä", endpoint: "/v1/chat/completions",
            alias: "fast", provider: "openai", deployment: "fast.openai", upstreamModel: "gpt-4o-mini", status: 200,
            outcome: .truncated, errorClass: "upstream_truncated", promptTokens: 1_234_567, completionTokens: -1,
            latencyMs: 12.345_678_9, ttftMs: 0.000_1, streamed: true,
            attempts: [
                .init(deployment: "fast.azure", provider: "azure", status: 429, errorClass: "rate_limited", latencyMs: 3.5),
                .init(
                    deployment: "fast.openai", provider: "openai", status: nil, errorClass: nil, latencyMs: 9.25, promptTokens: 1_234_567,
                    completionTokens: Int.max),
            ],
            guardrails: [
                GuardrailDecision(detector: "email", direction: .request, action: .redact, count: 2, location: "messages[0].content"),
                GuardrailDecision(detector: "regex:acct", direction: .response, action: .flag, count: 1, location: "choices[0]"),
            ])
        record.costUSD = "0.000123456789"
        record.priceVersion = "p-7"
        record.policy = PolicyEvidence(
            spiffeId: "spiffe://acme.test/agent/a", kind: "model", model: "fast", decision: "allow", policy: "agents", version: 3,
            rule: "models.allow", reason: nil,
            wouldDeny: .init(policy: "shadow", version: nil, rule: "budget.daily_usd", reason: "over"),
            at: Date(timeIntervalSinceReferenceDate: 817_000_000.5), latencyMs: 12.5, costUSD: "0.01", parameters: #"{"a":"***"}"#,
            parametersTruncated: true)
        record.usageEstimated = true
        return record
    }

    @Test func aCallRecordRoundTripsExactlyThroughTheBinaryFormat() throws {
        let minimal = CallRecord(
            requestId: "r", startedAt: Date(timeIntervalSince1970: 0), endpoint: "/v1/embeddings", status: 401, outcome: .rejected)
        for record in [Self.fullRecord(), minimal] {
            let payload = try SpoolCodec.encode(.call(record))
            #expect(payload.first == SpoolCodec.binaryCallRecord)
            let decoded = try SpoolCodec.decode(payload)
            #expect(decoded == .call(record))
            guard case .call(let back) = decoded else { continue }
            #expect(back.startedAt.timeIntervalSinceReferenceDate.bitPattern == record.startedAt.timeIntervalSinceReferenceDate.bitPattern)
        }
    }

    /// The binary format lists every field by hand: a field added to one of these types fails
    /// here until it is added to `CallRecordSpoolFormat` (and to `fullRecord` above).
    @Test func theFormatCoversEveryStoredField() {
        let record = Self.fullRecord()
        #expect(Mirror(reflecting: record).children.count == 26, "CallRecord gained or lost a field")
        #expect(Mirror(reflecting: record.attempts[0]).children.count == 7, "CallRecord.Attempt gained or lost a field")
        #expect(Mirror(reflecting: record.guardrails[0]).children.count == 5, "GuardrailDecision gained or lost a field")
        // 16 recorded fields and the in-memory `pending` (not stored, see PolicyEvidence).
        #expect(Mirror(reflecting: record.policy!).children.count == 17, "PolicyEvidence gained or lost a field")
    }

    @Test func aCallRecordFromASpoolWrittenInJSONStillDecodes() throws {
        let legacy = EvidenceItem.call(Self.fullRecord())
        let payload = Array(try JSONEncoder().encode(legacy))
        #expect(try SpoolCodec.decode(payload) == legacy)
        // And from a slice of a larger buffer, as the drain hands it over.
        let framed = [0xFF, 0xFF] + (try SpoolCodec.encode(legacy)) + [0xFF]
        #expect(try SpoolCodec.decode(framed[2..<framed.count - 1]) == legacy)
    }

    @Test func auditEntriesStayJSON() throws {
        let audit = EvidenceItem.audit(AdminAuditEntry(
            sequence: 9, at: Date(timeIntervalSince1970: 1_800_000_000.123), actor: "admin:tok_1", channel: "api", action: "key.rotate",
            target: "key:k_1", before: "{\"a\":1}", after: nil, previousHash: String(repeating: "0", count: 64),
            hash: String(repeating: "a", count: 64)))
        let payload = try SpoolCodec.encode(audit)
        #expect(payload.first == UInt8(ascii: "{"))
        #expect(try SpoolCodec.decode(payload) == audit)
    }

    @Test func everyTruncationAndAnyTrailingByteIsAnErrorNeverATrapOrARecord() throws {
        let payload = try SpoolCodec.encode(.call(Self.fullRecord()))
        for cut in 0..<payload.count {
            #expect(throws: (any Error).self, "cut at \(cut)") { try SpoolCodec.decode(payload.prefix(cut)) }
        }
        #expect(throws: SpoolFormatError.self) { try SpoolCodec.decode(payload + [0]) }
        #expect(throws: SpoolFormatError.self) { try SpoolCodec.decode([0x7F] + payload.dropFirst()) }
    }

    @Test func damagedBytesAreErrorsNeverTraps() throws {
        // Every single-byte change: decoding may succeed (a changed character) or throw, but must
        // not trap or allocate from a damaged length.
        let payload = try SpoolCodec.encode(.call(Self.fullRecord()))
        for index in 1..<payload.count {
            for value: UInt8 in [0x00, 0x7F, 0x80, 0xFF] {
                var damaged = payload
                damaged[index] = value
                _ = try? SpoolCodec.decode(damaged)
            }
        }
        // A count that claims more items than bytes left is refused before any allocation.
        var writer = SpoolByteWriter()
        writer.unsigned(UInt64(SpoolFrame.maxPayloadBytes))
        let bytes = writer.bytes
        bytes.withUnsafeBytes { buffer in
            var reader = SpoolByteReader(buffer)
            #expect(throws: SpoolFormatError.self) { try reader.count() }
        }
    }

    @Test func signedNumbersAndLengthsRoundTripAtTheirEdges() throws {
        var writer = SpoolByteWriter()
        let ints = [0, 1, -1, 63, -64, 64, Int.max, Int.min, 300, -300]
        for value in ints { writer.int(value) }
        writer.optionalInt(nil)
        writer.optionalString(nil)
        writer.optionalString("")
        writer.double(-0.0)
        writer.double(.infinity)
        let bytes = writer.bytes
        try bytes.withUnsafeBytes { buffer throws in
            var reader = SpoolByteReader(buffer)
            for value in ints { #expect(try reader.int() == value) }
            #expect(try reader.optionalInt() == nil)
            #expect(try reader.optionalString() == nil)
            #expect(try reader.optionalString() == "")
            #expect(try reader.double().bitPattern == (-0.0).bitPattern)
            #expect(try reader.double() == .infinity)
            #expect(reader.isAtEnd)
        }
    }
}
