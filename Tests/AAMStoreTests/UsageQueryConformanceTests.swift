import AAMCore
import AAMStore
import Foundation
import Testing

/// `UsageQueryStore`: every backend sums usage in its own query and gives exactly the rows of
/// the reference tally (`UsageTally`), exact to the nano-dollar.
@Suite("UsageQueryStore conformance")
struct UsageQueryConformanceTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(
        _ id: String, at offset: TimeInterval, org: String? = nil, team: String? = nil, key: String? = nil, alias: String? = nil,
        provider: String? = nil, cost: String?, prompt: Int = 0, completion: Int = 0
    ) -> CallRecord {
        var record = CallRecord(
            requestId: id, startedAt: base.addingTimeInterval(offset), keyId: key, orgId: org, teamId: team, endpoint: "/v1/chat/completions",
            alias: alias, provider: provider, status: 200, outcome: .success, promptTokens: prompt, completionTokens: completion)
        record.costUSD = cost
        return record
    }

    static func usage(_ store: OpenedStore) throws -> any UsageQueryStore {
        try #require(store.calls as? any UsageQueryStore, "every built-in call store answers usage itself")
    }

    @Test("half-open ranges, null and empty groups, clamped tokens, unparsable costs: the reference tally's rows", arguments: Backend.allCases)
    func groupsAndRanges(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let records = [
                Self.record("a", at: 0, org: "acme", team: "web", key: "k1", alias: "fast", provider: "openai", cost: "0.10", prompt: 10, completion: 5),
                Self.record("b", at: 10, org: "acme", team: "web", key: "k1", alias: "fast", provider: "openai", cost: "0.000001", prompt: 1, completion: 2),
                Self.record("c", at: 20, org: "globex", team: "", key: "k2", alias: "slow", provider: "azure", cost: nil, prompt: 7),
                Self.record("d", at: 30, org: "acme", team: "ops", key: "k3", alias: "fast", provider: "openai", cost: "5", prompt: 100, completion: 100),
                Self.record("e", at: 15, cost: nil),  // rejected: no identity at all
                Self.record("f", at: 25, org: "Zeta", provider: "openai", cost: "not money", prompt: -5, completion: -1),
                Self.record("g", at: 26, org: "Ärger", provider: "", cost: "1.0000000001", prompt: 3),  // too precise: counts as zero
                Self.record("h", at: 27, org: "beta", provider: "openai", cost: "-0.25", completion: 4),  // a refund-like negative
                Self.record("i", at: 28, org: "beta", provider: "openai", cost: "2.500000000000", completion: 1),  // zeros past nine digits
            ]
            try await store.calls.append(records)
            let usage = try Self.usage(store)
            let at = { (offset: TimeInterval) in Self.base.addingTimeInterval(offset) }
            let ranges: [(Date?, Date?)] = [(nil, nil), (at(10), at(30)), (at(0), at(0.5)), (nil, at(26)), (at(26), nil), (at(40), nil)]
            for dimension in UsageDimension.allCases {
                for (from, to) in ranges {
                    let rows = try await usage.usage(groupBy: dimension, from: from, to: to)
                    #expect(rows == UsageTally.rows(records, by: dimension, from: from, to: to), "\(dimension) [\(String(describing: from)), \(String(describing: to)))")
                }
            }
            // The reference spelled out once: [10, 30) holds b, c, e, f, g, h and i; a (at 0) and d (at 30) fall outside.
            let byOrg = try await usage.usage(groupBy: .org, from: at(10), to: at(30))
            #expect(byOrg == [
                UsageRow(group: "Zeta", calls: 1, promptTokens: 0, completionTokens: 0, spend: .zero),
                UsageRow(group: "acme", calls: 1, promptTokens: 1, completionTokens: 2, spend: Money(nanos: 1_000)),
                UsageRow(group: "beta", calls: 2, promptTokens: 0, completionTokens: 5, spend: Money(nanos: 2_250_000_000)),
                UsageRow(group: "globex", calls: 1, promptTokens: 7, completionTokens: 0, spend: .zero),
                UsageRow(group: "Ärger", calls: 1, promptTokens: 3, completionTokens: 0, spend: .zero),
                UsageRow(group: nil, calls: 1, promptTokens: 0, completionTokens: 0, spend: .zero),
            ])
            // An empty string is no value: it joins the null group, in every store.
            let byTeam = try await usage.usage(groupBy: .team, from: nil, to: nil)
            #expect(byTeam.map(\.group) == ["ops", "web", nil])
            #expect(byTeam.last?.calls == 6)
            #expect(try await usage.usage(groupBy: .alias, from: at(40), to: nil).isEmpty)
        }
    }

    @Test("spend is exact: ten thousand nano-dollars, large amounts, and a total past Money's range clamps", arguments: Backend.allCases)
    func exactSums(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let tiny = (0..<10_000).map { Self.record("tiny\($0)", at: Double($0) / 1000, alias: "tiny", cost: "0.000000001", prompt: 1) }
            let large = [
                Self.record("l1", at: 1, alias: "large", cost: "4611686018.427387903"),
                Self.record("l2", at: 2, alias: "large", cost: "4611686018.427387904"),
                Self.record("l3", at: 3, alias: "mixed", cost: "0.1"),
                Self.record("l4", at: 4, alias: "mixed", cost: "0.2"),
                Self.record("l5", at: 5, alias: "mixed", cost: "123456789.987654321"),
                Self.record("o1", at: 6, alias: "over", cost: "9223372036.854775807", prompt: Int.max, completion: Int.max),
                Self.record("o2", at: 7, alias: "over", cost: "0.000000001", prompt: 1, completion: Int.max),
            ]
            try await store.calls.append(tiny + large)
            let rows = try await Self.usage(store).usage(groupBy: .alias, from: nil, to: nil)
            let spend = Dictionary(uniqueKeysWithValues: rows.map { ($0.group ?? "-", $0.spend.description) })
            #expect(spend["tiny"] == "0.00001")
            #expect(spend["large"] == "9223372036.854775807")
            #expect(spend["mixed"] == "123456790.287654321")
            #expect(spend["over"] == Money.max.description)  // clamped, never wrapped
            let tinyRow = try #require(rows.first { $0.group == "tiny" })
            #expect(tinyRow.calls == 10_000 && tinyRow.promptTokens == 10_000)
            let over = try #require(rows.first { $0.group == "over" })
            #expect(over.promptTokens == Int.max && over.completionTokens == Int.max)
            #expect(rows == UsageTally.rows(tiny + large, by: .alias, from: nil, to: nil))
        }
    }

    @Test("a replayed record is counted once", arguments: Backend.allCases)
    func replayCountsOnce(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let record = Self.record("once", at: 0, org: "acme", cost: "1.5", prompt: 2)
            try await store.calls.append([record])
            try await store.calls.append([record])
            let rows = try await Self.usage(store).usage(groupBy: .org, from: nil, to: nil)
            #expect(rows == [UsageRow(group: "acme", calls: 1, promptTokens: 2, completionTokens: 0, spend: Money(nanos: 1_500_000_000))])
        }
    }
}
