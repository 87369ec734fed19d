import AAMCore
import Foundation
import NIOHTTP1
import Testing

/// Budgets and rate limits of the scope chain, enforced over real HTTP with the in-process
/// simulated vendor.
@Suite("Governance enforcement")
struct GovernanceEnforcementTests {
    static let maxTokens = 100
    static let body = #"{"model":"chat","max_tokens":100,"messages":[{"role":"user","content":"hello there"}]}"#
    /// What the gateway reserves for `body`: bytes / 4 + max_tokens.
    static var estimate: Int { body.utf8.count / 4 + maxTokens }

    /// A simulated vendor that bills the whole `max_tokens` (its completion is capped there), so
    /// a settled call frees only the prompt-estimate slack (under 25 tokens of `estimate`):
    /// with K ≤ 5 even all K settled never free room for one more call, so admission counts are
    /// exact regardless of timing.
    static func addGreedyVendor(_ gateway: GatewayHarness) async throws {
        try await gateway.addProvider(
            "sim", protocol: "simulated",
            extra: #""simulation":{"ttftMs":1,"tokensPerSecond":1000000,"completionTokens":\#(estimate + 10),"errorRate":0}"#)
        try await gateway.addDeployment(alias: "chat", provider: "sim", model: "sim-model")
    }

    @Test func parallelCallsAgainstATokenBudgetAdmitExactlyK() async throws {
        try await withGateway { gateway in
            try await Self.addGreedyVendor(gateway)
            let calls = 20
            let admitted = 5
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"daily","tokens":\#(admitted * Self.estimate)}]"#).secret
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<calls {
                    group.addTask {
                        let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
                        return (reply.status, reply.status == 200 ? nil : try reply.errorCode())
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == 200 }.count == admitted)
            #expect(statuses.filter { $0.0 == 429 && $0.1 == "budget_exceeded" }.count == calls - admitted)
            // Spent: nothing more fits.
            let after = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(after.status == 429)
            #expect(after.header("retry-after") != nil)
        }
    }

    @Test func fourthCallInAMinuteIsRateLimited() async throws {
        let clock = ManualClock()
        let gateway = try await GatewayHarness.start(clock: clock)
        do {
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""rpm":3"#).secret
            for index in 0..<3 {
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.header("x-ratelimit-limit-requests") == "3")
                #expect(reply.header("x-ratelimit-remaining-requests") == String(2 - index))
            }
            let refused = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(refused.status == 429)
            #expect(try refused.errorCode() == "rate_limit_exceeded")
            let retry = try #require(refused.header("retry-after").flatMap(Int.init))
            #expect(retry > 0 && retry <= 60)
            #expect(refused.header("x-ratelimit-limit-requests") == "3")
            #expect(refused.header("x-ratelimit-remaining-requests") == "0")
            clock.advance(by: TimeInterval(retry))
            let later = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(later.status == 200, "\(later.text)")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func successCarriesRequestAndTokenLimitHeaders() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""rpm":50,"tpm":100000"#).secret
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(reply.status == 200)
            #expect(reply.header("x-ratelimit-limit-requests") == "50")
            #expect(reply.header("x-ratelimit-remaining-requests") == "49")
            #expect(reply.header("x-ratelimit-limit-tokens") == "100000")
            #expect(reply.header("x-ratelimit-remaining-tokens") == String(100000 - Self.estimate))
            // Without limits, no headers.
            let free = try await gateway.issueKey(org: "other").secret
            let plain = try await gateway.call("/v1/chat/completions", key: free, json: Self.body)
            #expect(plain.status == 200)
            #expect(plain.header("x-ratelimit-limit-requests") == nil)
        }
    }

    @Test func anOrgBudgetAppliesToAllItsKeys() async throws {
        try await withGateway { gateway in
            try await Self.addGreedyVendor(gateway)
            try await gateway.adminOK(.POST, "/admin/orgs", json: #"{"id":"acme"}"#)
            let patched = try await gateway.adminOK(
                .PATCH, "/admin/orgs/acme", json: #"{"budgets":[{"period":"monthly","tokens":\#(Self.estimate)}]}"#)
            let budgets = try #require(patched["budgets"] as? [[String: Any]])
            #expect(budgets.first?["period"] as? String == "monthly")
            let first = try await gateway.issueKey(org: "acme").secret
            let second = try await gateway.issueKey(org: "acme").secret
            let served = try await gateway.call("/v1/chat/completions", key: first, json: Self.body)
            #expect(served.status == 200, "\(served.text)")
            let refused = try await gateway.call("/v1/chat/completions", key: second, json: Self.body)
            #expect(refused.status == 429)
            #expect(try refused.errorCode() == "budget_exceeded")
            // Another org is untouched.
            let other = try await gateway.issueKey(org: "globex").secret
            #expect(try await gateway.call("/v1/chat/completions", key: other, json: Self.body).status == 200)
        }
    }

    @Test func embeddingsAreRateLimitedToo() async throws {
        let clock = ManualClock()
        let gateway = try await GatewayHarness.start(clock: clock)
        do {
            try await gateway.addSimulatedAliases(["embed"])
            let key = try await gateway.issueKey(extra: #""rpm":1"#).secret
            let body = #"{"model":"embed","input":"hello"}"#
            let served = try await gateway.call("/v1/embeddings", key: key, json: body)
            #expect(served.status == 200, "\(served.text)")
            #expect(served.header("x-ratelimit-remaining-requests") == "0")
            let refused = try await gateway.call("/v1/embeddings", key: key, json: body)
            #expect(refused.status == 429)
            #expect(try refused.errorCode() == "rate_limit_exceeded")
            #expect(refused.header("retry-after") != nil)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func aDeploymentAtItsRPMIsSkippedForTheNextOne() async throws {
        let clock = ManualClock()
        let gateway = try await GatewayHarness.start(clock: clock)
        do {
            try await gateway.addProvider(
                "sim", protocol: "simulated", extra: #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":4,"errorRate":0}"#)
            try await gateway.adminOK(
                .POST, "/admin/deployments", json: #"{"id":"d-small","alias":"chat","provider":"sim","upstreamModel":"m","rpm":1,"priority":0}"#)
            try await gateway.adminOK(
                .POST, "/admin/deployments", json: #"{"id":"d-big","alias":"chat","provider":"sim","upstreamModel":"m","priority":1}"#)
            try await gateway.adminOK(.PUT, "/admin/aliases/chat", json: #"{"strategy":"priority","retries":1}"#)
            let key = try await gateway.issueKey().secret
            let first = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(first.header("x-aam-deployment") == "d-small")
            let second = try await gateway.call("/v1/chat/completions", key: key, json: Self.body)
            #expect(second.status == 200, "\(second.text)")
            #expect(second.header("x-aam-deployment") == "d-big")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func aStreamedCallSettlesAndReleasesItsHold() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let streamed = #"{"model":"chat","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"hello there"}]}"#
            let estimate = streamed.utf8.count / 4 + Self.maxTokens
            // Room for one estimate plus a little: a second call fits only once the first has
            // settled at its real (much smaller) usage.
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"daily","tokens":\#(estimate + 40)}]"#).secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            let first = try await gateway.call("/v1/chat/completions", key: key, json: streamed)
            #expect(first.status == 200)
            let record = try await GatewayHarness.record(first.requestID(), on: subscription)
            #expect(record.completionTokens > 0)
            let second = try await gateway.call("/v1/chat/completions", key: key, json: streamed)
            #expect(second.status == 200, "\(second.text)")
        }
    }

    @Test func aScopeModelAllowListIsEnforced() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "other"])
            try await gateway.adminOK(.POST, "/admin/orgs", json: #"{"id":"acme","models":["chat"]}"#)
            let key = try await gateway.issueKey(org: "acme").secret
            #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.body).status == 200)
            let refused = try await gateway.call(
                "/v1/chat/completions", key: key, json: #"{"model":"other","messages":[{"role":"user","content":"hi"}]}"#)
            // Answered like an unknown alias (`ModelAccessTests`).
            #expect(refused.status == 404)
            #expect(try refused.errorCode() == "model_not_found")
        }
    }
}

@Suite("Governance admin")
struct GovernanceAdminTests {
    @Test func invalidGovernanceFieldsAreNamed() async throws {
        try await withGateway { gateway in
            let cases: [(HTTPMethod, String, String, String)] = [
                (.POST, "/admin/keys", #"{"orgId":"acme","budgets":[{"period":"daily","usd":"12.x"}]}"#,
                 #"budgets[0].usd: must be a decimal amount like "12.50""#),
                (.POST, "/admin/keys", #"{"orgId":"acme","budgets":[{"period":"daily","tokens":5},{"period":"hourly","tokens":5}]}"#,
                 "budgets[1].period: must be one of daily, weekly, monthly, total"),
                (.POST, "/admin/keys", #"{"orgId":"acme","budgets":[{"period":"daily","tokens":-1}]}"#, "budgets[0].tokens: must be >= 0"),
                (.POST, "/admin/keys", #"{"orgId":"acme","budgets":[{"period":"total"}]}"#, "budgets[0]: needs 'usd' or 'tokens'"),
                (.POST, "/admin/keys", #"{"orgId":"acme","rpm":0}"#, "rpm: must be a positive integer"),
                (.POST, "/admin/orgs", #"{"id":"o1","tpm":-5}"#, "tpm: must be a positive integer"),
                (.POST, "/admin/orgs", #"{"id":"o2","budgets":[{"period":"daily","usd":12}]}"#, "budgets[0].usd"),
            ]
            for (method, path, body, expected) in cases {
                let reply = try await gateway.admin(method, path, json: body)
                #expect(reply.status == 400, "\(body) -> \(reply.status) \(reply.text)")
                #expect(try reply.errorMessage().contains(expected), "\(body) -> \(reply.text)")
            }
            try await gateway.adminOK(.POST, "/admin/orgs", json: #"{"id":"acme"}"#)
            let bad = try await gateway.admin(.PATCH, "/admin/orgs/acme", json: #"{"budgets":[{"period":"weekly","usd":"1.2.3"}]}"#)
            #expect(bad.status == 400)
            #expect(try bad.errorMessage().contains(#"budgets[0].usd: must be a decimal amount like "12.50""#))
            let missing = try await gateway.admin(.PATCH, "/admin/teams/nope", json: #"{"rpm":5}"#)
            #expect(missing.status == 404)
        }
    }

    @Test func governanceFieldsRoundTrip() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.adminOK(
                .POST, "/admin/keys",
                json: #"{"orgId":"acme","budgets":[{"period":"daily","usd":"12.50","tokens":100000}],"rpm":10,"tpm":2000}"#)
            let budget = try #require((reply["budgets"] as? [[String: Any]])?.first)
            #expect(budget["period"] as? String == "daily")
            #expect(budget["tokens"] as? Int == 100000)
            #expect((budget["usd"] as? String)?.hasPrefix("12.5") == true)
            #expect(reply["rpm"] as? Int == 10)
            #expect(reply["tpm"] as? Int == 2000)
            try await gateway.adminOK(.POST, "/admin/teams", json: #"{"id":"t1","orgId":"acme","rpm":7,"models":["fast"]}"#)
            let teams = try await gateway.admin(.GET, "/admin/teams")
            #expect(teams.text.contains(#""rpm":7"#))
            let patched = try await gateway.adminOK(.PATCH, "/admin/teams/t1", json: #"{"tpm":900}"#)
            #expect(patched["rpm"] as? Int == 7)
            #expect(patched["tpm"] as? Int == 900)
        }
    }

    @Test func olderStoredScopesAndKeysDecode() throws {
        let org = try JSONDecoder().decode(Organization.self, from: Data(#"{"id":"acme","name":"Acme"}"#.utf8))
        #expect(org.budgets == nil && org.rpm == nil && org.models == nil)
        let key = try JSONDecoder().decode(
            VirtualKey.self,
            from: Data(#"{"id":"k","prefix":"sk-aam-x","secretHash":"h","orgId":"acme","createdAt":0,"metadata":{}}"#.utf8))
        #expect(key.budgets == nil && key.rpm == nil && key.tpm == nil)
    }
}
