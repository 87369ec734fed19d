import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// `GET /admin/usage`: spend, tokens and call counts from the call records, grouped over a range.
@Suite("Governance usage report")
struct GovernanceUsageTests {
    static let body = #"{"model":"chat","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}"#
    static let prices = #"[{"provider":"sim","model":"sim-model","inputPerMillion":"1000000","outputPerMillion":"2000000","version":"v1"}]"#

    func record(_ id: String, at seconds: TimeInterval, org: String?, provider: String?, cost: String?, prompt: Int, completion: Int) -> CallRecord {
        var record = CallRecord(
            requestId: id, startedAt: Date(timeIntervalSince1970: seconds), endpoint: "/v1/chat/completions", status: 200, outcome: .success)
        record.orgId = org
        record.keyId = org.map { "key-\($0)" }
        record.provider = provider
        record.costUSD = cost
        record.promptTokens = prompt
        record.completionTokens = completion
        return record
    }

    @Test func theReportSumsPerGroupWithinTheHalfOpenRange() throws {
        let records = [
            record("a", at: 100, org: "acme", provider: "sim", cost: "0.10", prompt: 10, completion: 5),
            record("b", at: 200, org: "acme", provider: "sim", cost: "0.000001", prompt: 1, completion: 2),
            record("c", at: 150, org: "globex", provider: "other", cost: nil, prompt: 7, completion: 0),
            record("d", at: 300, org: "acme", provider: "sim", cost: "5", prompt: 100, completion: 100),
            record("e", at: 120, org: nil, provider: nil, cost: nil, prompt: 0, completion: 0),
        ]
        let report = UsageAdmin.report(records, by: .org, from: Date(timeIntervalSince1970: 100), to: Date(timeIntervalSince1970: 300))
        #expect(report.groups == [
            .init(group: "acme", calls: 2, promptTokens: 11, completionTokens: 7, spendUSD: "0.100001"),
            .init(group: "globex", calls: 1, promptTokens: 7, completionTokens: 0, spendUSD: "0.00"),
            .init(group: nil, calls: 1, promptTokens: 0, completionTokens: 0, spendUSD: "0.00"),
        ])
        let byProvider = UsageAdmin.report(records, by: .provider, from: nil, to: nil)
        #expect(byProvider.groups.map(\.group) == ["other", "sim", nil])
        #expect(byProvider.groups[1].spendUSD == "5.100001")
    }

    @Test func usageOverHTTPGroupsStoredCallsAndRejectsBadParameters() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            #expect(try await gateway.admin(.PUT, "/admin/pricing", json: Self.prices).status == 200)
            try await gateway.adminOK(.POST, "/admin/orgs", json: #"{"id":"globex"}"#)
            let acme = try await gateway.issueKey(org: "acme").secret
            let globex = try await gateway.issueKey(org: "globex").secret
            let start = Date()
            for key in [acme, acme, globex] {
                #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.body).status == 200)
            }
            for _ in 0..<500 where try await gateway.gateway.callStore.callCount() < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let from = start.addingTimeInterval(-60).formatted(.iso8601)
            let reply = try await gateway.admin(.GET, "/admin/usage?groupBy=org&from=\(from)")
            #expect(reply.status == 200, "\(reply.text)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.text.utf8)) as? [String: Any])
            #expect(json["groupBy"] as? String == "org")
            let groups = try #require(json["groups"] as? [[String: Any]])
            #expect(groups.map { $0["group"] as? String } == ["acme", "globex"])
            #expect(groups.map { $0["calls"] as? Int } == [2, 1])
            let spend = try #require(groups.first?["spendUSD"] as? String)
            #expect((Double(spend) ?? 0) > 0, "\(reply.text)")
            #expect((groups.first?["promptTokens"] as? Int ?? 0) > 0)

            let future = try await gateway.admin(.GET, "/admin/usage?groupBy=alias&from=2999-01-01T00:00:00Z")
            #expect(future.text.contains(#""groups":[]"#), "\(future.text)")

            let bad = try await gateway.admin(.GET, "/admin/usage?groupBy=planet")
            #expect(bad.status == 400)
            #expect(try bad.errorMessage().contains("groupBy: must be one of org, team, project, key, alias, provider"))
            let badDate = try await gateway.admin(.GET, "/admin/usage?groupBy=org&from=yesterday")
            #expect(badDate.status == 400)
            #expect(try badDate.errorMessage().contains("from: expected an ISO 8601 date"))
        }
    }
}
