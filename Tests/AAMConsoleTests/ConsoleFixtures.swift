import AAMControlProtocol
import Foundation
@testable import AAMConsole

/// Fixed models the golden files are rendered from: a fixed clock (2026-03-14 12:00:00 UTC),
/// UTC times, and rows covering every state a view colors differently.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_773_489_600)
    static let utc = TimeZone(identifier: "UTC")!
    static let daemon = DaemonInfo(version: "0.7.0", pid: 4242, listen: "127.0.0.1:8080", startedAt: now.addingTimeInterval(-3600))

    static func call(_ index: Int, outcome: String = "success", status: Int = 200, guardrails: [String] = [],
                     alias: String = "chat", provider: String = "openai", keyPrefix: String = "aam_k_7Qx2",
                     scope: String = "acme/ml/search", secondsAgo: Double? = nil) -> CallRow {
        CallRow(
            requestId: "req-\(index)", time: now.addingTimeInterval(-(secondsAgo ?? Double(index) * 1.5)), endpoint: "/v1/chat/completions",
            keyPrefix: keyPrefix, scope: scope, alias: alias, provider: provider, deployment: "\(provider)-east",
            status: status, outcome: outcome, errorClass: outcome == "upstream_error" ? "upstream_5xx" : nil,
            latencyMs: 180 + Double(index * 37 % 900), ttftMs: 90, promptTokens: 120 + index * 13, completionTokens: 48 + index * 7,
            costUSD: String(format: "%.6f", 0.000321 * Double(index + 1)), streamed: index % 2 == 0, attempts: outcome == "success" ? 1 : 2,
            guardrails: guardrails
        )
    }

    static var calls: [CallRow] {
        [
            call(11, alias: "embed", provider: "cohere", keyPrefix: "aam_k_Zz90", scope: "acme"),
            call(10, outcome: "cancelled", status: 499),
            call(9, guardrails: ["email:redact", "phone:redact"]),
            call(8, outcome: "upstream_error", status: 502, provider: "anthropic"),
            call(7, alias: "chat-fast", provider: "openai", keyPrefix: "aam_k_Ab12", scope: "globex/sales"),
            call(6, outcome: "rejected", status: 429, guardrails: ["budget:block"]),
            call(5, alias: "摘要", provider: "azure", scope: "acme/研究"),
            call(4, outcome: "truncated", status: 200),
            call(3),
            call(2, provider: "anthropic"),
            call(1, alias: "a-very-long-alias-name-for-truncation", provider: "another-long-provider"),
            call(0),
        ]
    }

    static let providers: [ProviderRow] = [
        ProviderRow(deployment: "openai-east", alias: "chat", provider: "openai", upstreamModel: "gpt-4o-mini", state: "closed",
                    errorRate: 0.012, requestsInWindow: 840, inFlight: 12, p50Ms: 420, p95Ms: 1310, weight: 3),
        ProviderRow(deployment: "anthropic-1", alias: "chat", provider: "anthropic", upstreamModel: "claude-haiku", state: "open",
                    reason: "5 consecutive 5xx", cooldownRemainingSeconds: 42.3, errorRate: 0.31, requestsInWindow: 96, inFlight: 0,
                    p50Ms: 880, p95Ms: 12_400, weight: 1, priority: 1),
        ProviderRow(deployment: "azure-we", alias: "chat", provider: "azure", upstreamModel: "gpt-4o", state: "half_open",
                    cooldownRemainingSeconds: 0, errorRate: 0.08, requestsInWindow: 25, inFlight: 1, p50Ms: 510, p95Ms: 930),
        ProviderRow(deployment: "cohere-embed", alias: "embed", provider: "cohere", upstreamModel: "embed-v3", state: "closed",
                    requestsInWindow: 0, deploymentDrained: true),
        ProviderRow(deployment: "openai-west", alias: "chat-fast", provider: "openai", upstreamModel: "gpt-4o-mini", state: "closed",
                    errorRate: 0, requestsInWindow: 300, inFlight: 3, p50Ms: 390, p95Ms: 700, providerDrained: true),
    ]

    static let spend: [SpendRow] = [
        SpendRow(kind: "org", id: "o1", parent: nil, name: "acme", budgets: [
            BudgetBar(period: "daily", spentUSD: "41.20", limitUSD: "100", tokens: 0, tokenLimit: nil),
            BudgetBar(period: "monthly", spentUSD: "1830.00", limitUSD: "2000", tokens: 0, tokenLimit: nil),
        ], tokensToday: 2_450_000, spentTodayUSD: "41.20", burnRateUSDPerHour: "3.10"),
        SpendRow(kind: "team", id: "t1", parent: "o1", name: "ml", budgets: [
            BudgetBar(period: "daily", spentUSD: "30.00", limitUSD: "40", tokens: 0, tokenLimit: nil),
        ], tokensToday: 1_900_000, spentTodayUSD: "30.00", burnRateUSDPerHour: "2.40"),
        SpendRow(kind: "project", id: "p1", parent: "t1", name: "search", budgets: [
            BudgetBar(period: "daily", spentUSD: "29.50", limitUSD: "30", tokens: 0, tokenLimit: nil),
        ], tokensToday: 1_700_000, spentTodayUSD: "29.50", burnRateUSDPerHour: "2.35"),
        SpendRow(kind: "key", id: "k1", parent: "p1", name: "aam_k_7Qx2", budgets: [
            BudgetBar(period: "daily", spentUSD: "0", limitUSD: nil, tokens: 900_000, tokenLimit: 1_000_000),
        ], tokensToday: 900_000, spentTodayUSD: "12.00", burnRateUSDPerHour: "0.90"),
        SpendRow(kind: "team", id: "t2", parent: "o1", name: "support", budgets: [], tokensToday: 550_000,
                 spentTodayUSD: "11.20", burnRateUSDPerHour: "0.70"),
        SpendRow(kind: "org", id: "o2", parent: nil, name: "globex", budgets: [
            BudgetBar(period: "monthly", spentUSD: "120", limitUSD: "1000", tokens: 0, tokenLimit: nil),
        ], tokensToday: 12_000, spentTodayUSD: "0.4", burnRateUSDPerHour: "0"),
    ]

    static let keys: [KeyRow] = [
        KeyRow(id: "k1", prefix: "aam_k_7Qx2", name: "search-backend", scope: "acme/ml/search", state: "active",
               expiresAt: now.addingTimeInterval(30 * 86_400), lastUsedAt: now.addingTimeInterval(-180), createdAt: nil),
        KeyRow(id: "k2", prefix: "aam_k_Ab12", name: "sales-bot", scope: "globex/sales", state: "grace",
               expiresAt: now.addingTimeInterval(3 * 3600), lastUsedAt: now.addingTimeInterval(-7), createdAt: nil),
        KeyRow(id: "k3", prefix: "aam_k_Old1", name: nil, scope: "acme", state: "revoked", expiresAt: nil,
               lastUsedAt: now.addingTimeInterval(-3 * 86_400), createdAt: nil),
        KeyRow(id: "k4", prefix: "aam_k_Exp9", name: "ci", scope: "acme/ml", state: "expired",
               expiresAt: now.addingTimeInterval(-86_400), lastUsedAt: nil, createdAt: nil),
    ]

    static let aliases: [AliasRow] = [
        AliasRow(name: "chat", strategy: "weighted", fallbacks: ["chat-fast", "chat-cheap"], retries: 2, deployments: [
            .init(deployment: "openai-east", provider: "openai", upstreamModel: "gpt-4o-mini", weight: 3, priority: 0, drained: false),
            .init(deployment: "anthropic-1", provider: "anthropic", upstreamModel: "claude-haiku", weight: 1, priority: 1, drained: false),
            .init(deployment: "azure-we", provider: "azure", upstreamModel: "gpt-4o", weight: 0, priority: 0, drained: false),
        ]),
        AliasRow(name: "embed", strategy: "priority", fallbacks: [], retries: 1, deployments: [
            .init(deployment: "cohere-embed", provider: "cohere", upstreamModel: "embed-v3", weight: 1, priority: 0, drained: true),
        ]),
    ]

    static let guardrails = GuardrailSummary(counters: [
        .init(detector: "email", scope: "org:acme", action: "redact", total: 1234,
              perMinute: (0..<60).map { ($0 * 7) % 11 + ($0 > 50 ? 12 : 0) }),
        .init(detector: "secret-key", scope: "key:k2", action: "block", total: 3, perMinute: Array(repeating: 0, count: 57) + [1, 0, 2]),
        .init(detector: "phone", scope: "org:globex", action: "flag", total: 0, perMinute: Array(repeating: 0, count: 60)),
    ], recent: [
        GuardrailHitRow(time: now.addingTimeInterval(-4), requestId: "req-9", detector: "email", direction: "request",
                        action: "redact", count: 2, scope: "org:acme"),
        GuardrailHitRow(time: now.addingTimeInterval(-65), requestId: "req-3", detector: "secret-key", direction: "response",
                        action: "block", count: 1, scope: "key:k2"),
    ])

    /// A connected state with every snapshot loaded and the fixture calls in the ring.
    static func state(view: ConsoleView = .live, size: ScreenSize = ScreenSize(width: 100, height: 30)) -> ConsoleState {
        var state = ConsoleState(now: now, timeZone: utc, screenSize: size)
        state.connection = .connected(daemon)
        state.daemon = daemon
        state.providers = providers
        state.spend = spend
        state.keys = keys
        state.aliases = aliases
        state.guardrails = guardrails
        state.agents = agents
        state.policyDecisions = decisions
        state.replicas = cluster
        state.trends.fold(trends)
        for call in calls { state.calls.append(call) }
        state.view = view
        return state
    }

    static func eventMessage(_ call: CallRow) -> ControlMessage { .event(ControlEvent(kind: .call, call: call)) }
}
