import AAMControlProtocol
import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// The pure parts behind the control socket: latency percentiles, guardrail and spend
/// activity, the access rule, the event mapping and the bad-message explanations. Each is
/// driven event by event with explicit times.
@Suite("Control activity (pure)")
struct ControlActivityTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // a whole minute

    static func call(
        _ id: String, at time: Date = t0, org: String? = "acme", team: String? = nil, project: String? = nil, key: String? = "k1",
        cost: String? = nil, tokens: (Int, Int) = (0, 0), attempts: [CallRecord.Attempt] = [], guardrails: [GuardrailDecision] = [],
        outcome: CallRecord.Outcome = .success
    ) -> CallRecord {
        var record = CallRecord(
            requestId: id, startedAt: time, keyId: key, keyPrefix: "sk-aam-abc", orgId: org, teamId: team, projectId: project,
            endpoint: "/v1/chat/completions", alias: "chat", provider: "sim", deployment: attempts.last?.deployment, status: 200,
            outcome: outcome, promptTokens: tokens.0, completionTokens: tokens.1, latencyMs: 0, attempts: attempts, guardrails: guardrails)
        record.costUSD = cost
        return record
    }

    // MARK: Latency

    @Test func percentilesUseNearestRankOverTheRecentSamples() {
        var window = LatencyWindow(capacity: 100, maxAge: 60)
        #expect(window.percentiles(of: "d", at: Self.t0) == nil)
        for ms in 1...20 { window.record(deployment: "d", latencyMs: Double(ms), at: Self.t0) }
        let result = window.percentiles(of: "d", at: Self.t0)
        #expect(result?.p50 == 10)
        #expect(result?.p95 == 19)
        // Another deployment is independent.
        window.record(deployment: "e", latencyMs: 500, at: Self.t0)
        #expect(window.percentiles(of: "e", at: Self.t0)?.p95 == 500)
        // Samples older than maxAge no longer count.
        #expect(window.percentiles(of: "d", at: Self.t0.addingTimeInterval(61)) == nil)
    }

    @Test func theRingKeepsOnlyTheLastSamples() {
        var window = LatencyWindow(capacity: 4, maxAge: 600)
        for ms in [1000.0, 1000, 1000, 1000, 1, 2, 3, 4] { window.record(deployment: "d", latencyMs: ms, at: Self.t0) }
        #expect(window.percentiles(of: "d", at: Self.t0)?.p95 == 4)
        #expect(window.percentiles(of: "d", at: Self.t0)?.p50 == 2)
        window.record(deployment: "d", latencyMs: .nan, at: Self.t0)
        #expect(window.percentiles(of: "d", at: Self.t0)?.p95 == 4)
    }

    @Test func everyAttemptCountsForItsOwnDeployment() {
        var window = LatencyWindow()
        window.record(
            [
                CallRecord.Attempt(deployment: "a", provider: "p", status: 503, errorClass: "x", latencyMs: 7),
                CallRecord.Attempt(deployment: "b", provider: "p", status: 200, errorClass: nil, latencyMs: 30),
            ], at: Self.t0)
        #expect(window.percentiles(of: "a", at: Self.t0)?.p50 == 7)
        #expect(window.percentiles(of: "b", at: Self.t0)?.p50 == 30)
    }

    // MARK: Guardrails

    @Test func guardrailHitsAreCountedPerMinuteForTheLastHour() {
        var activity = GuardrailActivity(recentCapacity: 2)
        let email = GuardrailDecision(detector: .init("email"), direction: .request, action: .redact, count: 2, location: "messages[0].content")
        let allow = GuardrailDecision(detector: .init("phone"), direction: .request, action: .allow, count: 1, location: "x")
        activity.record(Self.call("r1", team: "web", guardrails: [email, allow]), finishedAt: Self.t0)
        activity.record(Self.call("r2", team: "web", guardrails: [email]), finishedAt: Self.t0.addingTimeInterval(90))
        activity.record(Self.call("r3", project: "bot", guardrails: [email]), finishedAt: Self.t0.addingTimeInterval(100))
        let summary = activity.summary(at: Self.t0.addingTimeInterval(120))
        #expect(summary.counters.map(\.scope) == ["project:bot", "team:web"])
        let web = summary.counters[1]
        #expect(web.detector == "email" && web.action == "redact" && web.total == 2)
        #expect(web.perMinute.count == 60)
        #expect(Array(web.perMinute.suffix(3)) == [1, 1, 0])
        #expect(summary.recent.map(\.requestId) == ["r3", "r2"])  // newest first, capacity 2
        #expect(summary.recent[0].count == 2 && summary.recent[0].direction == "request")
        // An hour later the series is empty but the total stays.
        let later = activity.summary(at: Self.t0.addingTimeInterval(3_700))
        #expect(later.counters[1].perMinute.allSatisfy { $0 == 0 })
        #expect(later.counters[1].total == 2)
    }

    // MARK: Spend

    @Test func burnRateIsTheLastHoursSpendAndTodayResetsAtMidnight() throws {
        var spend = SpendActivity()
        let day = Date(timeIntervalSince1970: 1_799_971_200)  // 00:00 UTC
        spend.record(Self.call("a", team: "web", cost: "0.50", tokens: (10, 5)), finishedAt: day.addingTimeInterval(3_600))
        spend.record(Self.call("b", team: "web", cost: "0.25", tokens: (1, 1)), finishedAt: day.addingTimeInterval(3_600 + 1_800))
        let now = day.addingTimeInterval(3_600 + 1_900)
        #expect(spend.burnRate(GovernanceScope(.team, "web"), at: now) == (try Money(parsing: "0.75")))
        #expect(spend.burnRate(GovernanceScope(.key, "k1"), at: now) == (try Money(parsing: "0.75")))
        #expect(spend.today(GovernanceScope(.org, "acme"), at: now) == SpendActivity.Totals(usd: try Money(parsing: "0.75"), tokens: 17))
        // 61 minutes after the first call only the second one is in the hour.
        #expect(spend.burnRate(GovernanceScope(.org, "acme"), at: day.addingTimeInterval(3_600 + 3_660)) == (try Money(parsing: "0.25")))
        // The next day starts from zero.
        #expect(spend.today(GovernanceScope(.org, "acme"), at: day.addingTimeInterval(86_400)) == SpendActivity.Totals())
        #expect(spend.today(GovernanceScope(.project, "none"), at: now) == SpendActivity.Totals())
    }

    // MARK: Access

    @Test func theDaemonsUserRootAndTheControlGroupAreAllowed() {
        let policy = ControlAccessPolicy(daemonUID: 1000, groupID: 2000, groupName: "aam-ops")
        #expect(policy.decide(PeerCredentials(pid: 1, uid: 1000, gid: 1000)) == .allow)
        #expect(policy.decide(PeerCredentials(pid: 1, uid: 0, gid: 0)) == .allow)
        #expect(policy.decide(PeerCredentials(pid: 1, uid: 1001, gid: 2000)) == .allow)  // primary group
        let member = PeerCredentials(pid: 1, uid: 1002, gid: 1002)
        #expect(policy.needsGroups(member))
        #expect(policy.decide(member, groups: [1002, 2000]) == .allow)  // supplementary group
        #expect(policy.decide(member, groups: [1002]) == .deny("uid 1002 may not use this control socket (allowed: the daemon's user, root, or members of group 'aam-ops')"))
        #expect(policy.decide(nil) == .deny("the peer's credentials cannot be read"))
        let noGroup = ControlAccessPolicy(daemonUID: 1000)
        #expect(!noGroup.needsGroups(member))
        #expect(noGroup.decide(member, groups: [2000]) == .deny("uid 1002 may not use this control socket (allowed: the daemon's user or root)"))
    }

    @Test func accountLookupsResolveRoot() {
        #expect(SystemAccounts.userName(of: 0) == "root")
        #expect(SystemAccounts.groupID(of: "root") == 0)
        #expect(SystemAccounts.groupID(of: "4242") == 4242)
        #expect(SystemAccounts.groupID(of: "no-such-group-aam") == nil)
        #expect(SystemAccounts.groups(ofUser: "root", primary: 0).contains(0))
    }

    // MARK: Events

    @Test func callRecordsBecomeRowsWithoutSecretsOrText() {
        var record = Self.call(
            "r9", team: "web", project: "bot", cost: "0.001", tokens: (12, 3),
            attempts: [CallRecord.Attempt(deployment: "chat.sim", provider: "sim", status: 200, errorClass: nil, latencyMs: 40)],
            guardrails: [
                GuardrailDecision(detector: .init("email"), direction: .request, action: .redact, count: 1, location: "m"),
                GuardrailDecision(detector: .init("phone"), direction: .request, action: .allow, count: 1, location: "m"),
            ])
        record.latencyMs = 42
        let event = ControlEventMapper.event(.call(record), at: Self.t0)
        let row = try? #require(event?.call)
        #expect(event?.kind == .call)
        #expect(row?.scope == "acme/web/bot")
        #expect(row?.keyPrefix == "sk-aam-abc")
        #expect(row?.guardrails == ["email:redact"])
        #expect(row?.attempts == 1 && row?.latencyMs == 42 && row?.costUSD == "0.001")
        #expect(ControlEventMapper.event(.modelUnpriced(provider: "p", model: "m"), at: Self.t0) == nil)
        let admin = ControlEventMapper.event(.adminChange(actor: "operator:root", action: "provider.drain", target: "sim"), at: Self.t0)
        #expect(admin?.adminChange == AdminChangeRow(time: Self.t0, actor: "operator:root", action: "provider.drain", target: "sim"))
    }

    @Test func undecodableLinesAreExplained() {
        func explain(_ text: String) -> (String, String, Int?) {
            let (error, id) = ControlSession.explainUndecodable(Array(text.utf8))
            return (error.code.rawValue, error.message, id)
        }
        #expect(explain("{nope") == ("bad_message", "not a JSON object", nil))
        #expect(explain(#"{"id":3}"#) == ("bad_message", "type: missing", 3))
        #expect(explain(#"{"type":"shout","id":4}"#) == ("bad_message", "type: unknown 'shout'", 4))
        #expect(explain(#"{"type":"query","id":5,"query":"weather"}"#).0 == "unknown_query")
        #expect(explain(#"{"type":"query","id":5,"query":"weather"}"#).2 == 5)
        #expect(explain(#"{"type":"command","id":6,"command":{"kind":"explode"}}"#).0 == "invalid_command")
        #expect(explain(#"{"type":"query","id":"seven"}"#).0 == "bad_message")
    }
}
