import Testing

@testable import AAMCore

/// `/proc/self/stat` as proc(5) describes it, and the `process_*` families made from it.
@Suite("Process figures")
struct ProcessStatTests {
    /// A line of the kernel's shape (a real one with the name edited) whose command name holds `) (`, to prove
    /// fields are counted from the last parenthesis.
    static let line =
        "4242 (aamd) (x) S 1 4242 4242 0 -1 4194560 25311 0 3 0 1250 375 0 0 20 0 9 0 5113 1407012864 5120 18446744073709551615 1 1 0 0 0 0 0 4096 17987 0 0 0 17 1 0 0 0 0 0\n"

    @Test func cpuIsUserPlusSystemTicksAndMemoryIsPagesTimesPageSize() throws {
        let stat = try #require(ProcessStat.parse(procStat: Self.line, clockTicksPerSecond: 100, pageSize: 4096))
        #expect(stat.cpuSeconds == 16.25, "(1250 + 375) / 100")
        #expect(stat.virtualBytes == 1_407_012_864)
        #expect(stat.residentBytes == 5120 * 4096)
    }

    @Test func aTruncatedOrForeignLineIsNil() {
        #expect(ProcessStat.parse(procStat: "4242 (aamd) S 1 2 3", clockTicksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessStat.parse(procStat: "no parenthesis here", clockTicksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessStat.parse(procStat: Self.line, clockTicksPerSecond: 0, pageSize: 4096) == nil)
    }

    @Test func theFamiliesFollowPrometheusNames() {
        var out = PrometheusText()
        ProcessStat(cpuSeconds: 1.5, residentBytes: 4096, virtualBytes: 8192, openFileDescriptors: 12, maxFileDescriptors: 1024).render(into: &out)
        let text = out.text
        for sample in ["process_cpu_seconds_total 1.5", "process_resident_memory_bytes 4096", "process_virtual_memory_bytes 8192", "process_open_fds 12", "process_max_fds 1024"] {
            #expect(text.contains("\n\(sample)\n"), "\(sample) in \(text)")
        }
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
    }
}

/// Budget gauges: spent, limit and remaining per budget, never below zero, only the
/// dimensions the budget limits.
@Suite("Budget gauges")
struct BudgetGaugeTests {
    @Test func remainingIsLimitMinusSpentFlooredAtZero() {
        let gauges = [
            BudgetGauge(
                scope: GovernanceScope(.team, "platform"), budgetId: "monthly", period: "monthly", spentUSD: Money(nanos: 7_500_000_000),
                limitUSD: Money(nanos: 10_000_000_000), tokens: 900, tokenLimit: nil),
            BudgetGauge(
                scope: GovernanceScope(.key, "k1"), budgetId: "daily", period: "daily", spentUSD: Money(nanos: 0), limitUSD: nil, tokens: 1_200,
                tokenLimit: 1_000),
        ]
        var out = PrometheusText()
        BudgetGauge.render(gauges, into: &out)
        let text = out.text
        let team = #"{scope_kind="team",scope="platform",budget="monthly",period="monthly"}"#
        let key = #"{scope_kind="key",scope="k1",budget="daily",period="daily"}"#
        #expect(text.contains("aam_budget_spent_usd\(team) 7.5\n"))
        #expect(text.contains("aam_budget_limit_usd\(team) 10\n"))
        #expect(text.contains("aam_budget_remaining_usd\(team) 2.5\n"))
        #expect(!text.contains("aam_budget_token_limit\(team)"), "the team's budget limits dollars only")
        #expect(text.contains("aam_budget_tokens_used\(key) 1200\n"))
        #expect(text.contains("aam_budget_tokens_remaining\(key) 0\n"), "overrun shows as 0 left, spent above limit")
        #expect(!text.contains("aam_budget_remaining_usd\(key)"))
    }
}
