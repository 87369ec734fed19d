import Foundation
import Testing

@testable import AAMCore

/// Issue 13, items 2 and 3 and the lower "an upstream can overflow usage sums": counts and
/// strings from clients and upstreams are bounded before any arithmetic or recording, so no
/// value can trap the daemon or make a record too large to keep.
@Suite struct TrapBoundsTests {
    @Test func tokenUsageClampsWhatAnUpstreamReports() {
        let usage = TokenUsage(promptTokens: .max, completionTokens: .max, cachedPromptTokens: .min)
        #expect(usage.promptTokens == TokenUsage.maximumCount)
        #expect(usage.cachedPromptTokens == 0, "a negative count cannot credit a budget")
        #expect(usage.totalTokens == 2 * TokenUsage.maximumCount, "the sum of two bounded counts cannot trap")
        var set = TokenUsage.zero
        set.completionTokens = .max
        #expect(set.completionTokens == TokenUsage.maximumCount)
        #expect(TokenUsage.sum(.max, .max, .max) == TokenUsage.maximumCount)
        #expect(TokenUsage.sum(3, -7, 4) == 7)
    }

    @Test func tokenUsageDecodingClampsToo() throws {
        let json = #"{"promptTokens":9223372036854775807,"completionTokens":-5,"cachedPromptTokens":2}"#
        let usage = try JSONDecoder().decode(TokenUsage.self, from: Data(json.utf8))
        #expect(usage == TokenUsage(promptTokens: TokenUsage.maximumCount, completionTokens: 0, cachedPromptTokens: 2))
        #expect(try JSONDecoder().decode(TokenUsage.self, from: JSONEncoder().encode(usage)) == usage)
    }

    @Test func estimatesAndLedgersSaturateAtTheExtremes() throws {
        let estimate = try CallEstimate(promptTokens: .max, maxOutputTokens: .max, defaultOutputCap: .max, price: nil)
        #expect(estimate.spend.tokens == .max)
        let price = ModelPrice(
            provider: "p", model: "m", effectiveFrom: Date(timeIntervalSince1970: 0), inputPerMillion: try Money(parsing: "1000"),
            outputPerMillion: try Money(parsing: "1000"), version: "v1")
        #expect(throws: MoneyError.overflow) { try CallEstimate(promptTokens: .max, maxOutputTokens: 1, defaultOutputCap: 1, price: price) }

        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var ledger = BudgetLedger()
        let chain = [ScopeBudgets(scope: GovernanceScope(.key, "k"), budgets: [Budget(id: "b", period: .total, tokenLimit: .max - 1)])]
        guard case .reserved(let first) = ledger.reserve(requestId: "a", chain: chain, estimate: Spend(tokens: .max / 2), at: now) else {
            Issue.record("half the range fits")
            return
        }
        guard case .rejected = ledger.reserve(requestId: "b", chain: chain, estimate: Spend(tokens: .max), at: now) else {
            Issue.record("a second Int64.max estimate must be refused, not wrap")
            return
        }
        _ = ledger.settle(first, actual: Spend(usd: .max, tokens: .max), at: now)
        _ = ledger.replaySettled(requestId: "c", chain: chain, actual: Spend(usd: .max, tokens: .max), reservedAt: now, settledAt: now)
        #expect(ledger.usage(of: chain[0].budgets[0], on: chain[0].scope, at: now).settled.tokens == .max)

        var limiter = RateLimiter()
        let key = RateLimitKey(scope: GovernanceScope(.key, "k"), dimension: .tokens)
        #expect(limiter.check(key, cost: .max, limitPerMinute: .max, at: now) == .tooLarge(key: key, limit: RateLimiter.maximumLimit))
        limiter.adjust(key, by: .max, limitPerMinute: .max, at: now)
        limiter.adjust(key, by: .min, limitPerMinute: .max, at: now)
        #expect(limiter.status(key, limitPerMinute: 10, at: now).remaining == 10)

        var agents = AgentBudgetLedger()
        let hold = agents.reserve(requestId: "r", identity: "spiffe://t/a", amount: .max, at: now)
        _ = agents.reserve(requestId: "s", identity: "spiffe://t/a", amount: .max, at: now)
        agents.settle(hold, actual: .max)
        agents.addSettled(.max, for: "spiffe://t/a", startedAt: now, at: now)
        #expect(agents.spend(of: "spiffe://t/a", at: now).committed == .max)
    }

    @Test func clipCutsOnACharacterBoundaryAndMarksTheCut() {
        #expect(RecordBounds.clip("short") == "short")
        let clipped = RecordBounds.clip(String(repeating: "é", count: 1000), maxBytes: 11)
        #expect(clipped == "éééé…", "4 × 2 bytes + the 3-byte marker")
        #expect(clipped.utf8.count <= 11)
        #expect(RecordBounds.clip(String(repeating: "😀", count: 10), maxBytes: 2) == "…")
    }

    /// The record the 8 MiB all-`/` alias made (JSONEncoder writes each `/` as `\/`, doubling it
    /// past the spool's 16 MiB frame), plus everything else a hostile call can inflate.
    @Test func aBoundedRecordFitsEveryFrameWhateverItCarried() throws {
        var record = CallRecord(requestId: "req_hostile", startedAt: Date(timeIntervalSince1970: 1_800_000_000), endpoint: "/v1/chat/completions",
                                status: 404, outcome: .rejected)
        record.alias = String(repeating: "/", count: 8 << 20)
        record.upstreamModel = String(repeating: "\u{1}", count: 1 << 20)
        record.errorClass = String(repeating: "x", count: 1 << 20)
        record.attempts = (0..<10_000).map { CallRecord.Attempt(deployment: "d\($0)", provider: "p", status: 500, errorClass: "e", latencyMs: 1) }
        record.guardrails = (0..<100_000).map {
            GuardrailDecision(detector: $0 % 2 == 0 ? .email : .phone, direction: .request, action: .redact, count: 2, location: "messages[\($0)].content")
        }
        let encoder = JSONEncoder()
        #expect(try encoder.encode(record).count > 16 << 20, "the unbounded record is over the spool's frame")
        let bounded = record.bounded()
        let bytes = try encoder.encode(bounded).count
        #expect(bytes < RecordBounds.maximumEncodedBytes, "\(bytes) bytes")
        #expect(bounded.alias?.utf8.count ?? 0 <= RecordBounds.maxTextBytes)
        #expect(bounded.attempts.count == RecordBounds.maxAttempts)
        #expect(bounded.guardrails.count <= RecordBounds.maxGuardrailDecisions)
        #expect(bounded.guardrails.reduce(0) { $0 + $1.count } == 200_000, "merged decisions keep their counts")
        #expect(bounded.guardrails.last?.location.hasSuffix("locations") == true)
        // An ordinary record is left exactly as it was.
        var plain = record
        plain.alias = "fast"
        plain.upstreamModel = "gpt-4o"
        plain.errorClass = nil
        plain.attempts = Array(record.attempts.prefix(2))
        plain.guardrails = Array(record.guardrails.prefix(3))
        #expect(plain.bounded() == plain)
    }
}
