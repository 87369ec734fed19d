import AAMCore
import Foundation
import Testing

/// `CallRecord.storable` and `CallRecordJSONFields` replace Foundation JSON round trips on the
/// evidence drain; they must give exactly what those round trips gave.
@Suite struct CallRecordStorableTests {
    static func record(_ text: String) -> CallRecord {
        var record = CallRecord(
            requestId: "req-\(text)", startedAt: Date(timeIntervalSince1970: 1_800_000_000.25), keyId: "k\(text)", keyPrefix: "p\(text)",
            orgId: "o\(text)", teamId: "t\(text)", projectId: "j\(text)", endpoint: "/v1/\(text)", alias: "a\(text)", provider: "v\(text)",
            deployment: "d\(text)", upstreamModel: "m\(text)", status: 200, outcome: .success, errorClass: "e\(text)",
            attempts: [.init(deployment: "d\(text)", provider: "v\(text)", status: 429, errorClass: "r\(text)", latencyMs: 1.5)],
            guardrails: [GuardrailDecision(detector: GuardrailDetector(rawValue: "g\(text)"), direction: .request, action: .redact, count: 1, location: "l\(text)")])
        record.costUSD = "0.1\(text)"
        record.priceVersion = "pv\(text)"
        record.policy = PolicyEvidence(
            spiffeId: "spiffe://x/\(text)", kind: "k\(text)", model: "m\(text)", resource: "r\(text)", action: "a\(text)", decision: "d\(text)",
            policy: "p\(text)", version: 1, rule: "ru\(text)", reason: "re\(text)",
            wouldDeny: .init(policy: "wp\(text)", version: 2, rule: "wr\(text)", reason: "wre\(text)"), at: Date(timeIntervalSince1970: 5),
            latencyMs: 2, costUSD: "c\(text)", parameters: "pa\(text)", parametersTruncated: true)
        return record
    }

    @Test func cleaningFieldByFieldEqualsTheJSONRoundTrip() throws {
        for text in ["plain", "nul\u{0}in", "\u{0}", "two\u{0}\u{0}", "ü\u{0}😀", #"quote"\u0000"#] {
            let record = Self.record(text)
            let viaJSON = try StorableText.storable(record).value
            #expect(record.storable == viaJSON, "\(text.debugDescription)")
            #expect(!String(describing: record.storable).contains("\u{0}"))
        }
        // Without NUL the record is untouched.
        #expect(Self.record("plain").storable == Self.record("plain"))
    }

    @Test func theNestedListsDecodeToWhatTheyHeld() throws {
        let tricky = "q\"b\\s/n\nr\rt\t\u{1}\u{1F}ü😀\u{7F}"
        let attempts: [CallRecord.Attempt] = [
            .init(deployment: tricky, provider: "p", status: nil, errorClass: nil, latencyMs: 0.000_01),
            .init(deployment: "d", provider: tricky, status: 503, errorClass: tricky, latencyMs: 123_456.789, promptTokens: 0, completionTokens: Int.max),
            .init(deployment: "", provider: "", status: -1, errorClass: "", latencyMs: 3),
        ]
        let decisions = [
            GuardrailDecision(detector: GuardrailDetector(rawValue: tricky), direction: .response, action: .flag, count: 7, location: tricky),
            GuardrailDecision(detector: "email", direction: .request, action: .block, count: 0, location: ""),
        ]
        let attemptsJSON = CallRecordJSONFields.attempts(attempts)
        let decisionsJSON = CallRecordJSONFields.guardrails(decisions)
        #expect(try JSONDecoder().decode([CallRecord.Attempt].self, from: Data(attemptsJSON.utf8)) == attempts)
        #expect(try JSONDecoder().decode([GuardrailDecision].self, from: Data(decisionsJSON.utf8)) == decisions)
        #expect(CallRecordJSONFields.attempts([]) == "[]")
        #expect(CallRecordJSONFields.guardrails([]) == "[]")
        #expect(attemptsJSON.hasPrefix(#"[{"deployment":"q\"b\\s/n\nr\rt\t\u0001\u001fü😀"#))
        // Absent members are left out, as JSONEncoder does.
        #expect(CallRecordJSONFields.attempts([attempts[0]]).contains("status") == false)
    }
}
