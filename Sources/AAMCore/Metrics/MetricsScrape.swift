import Foundation

/// What `/metrics` reads at scrape time rather than from events: deployment health and load,
/// the spool and SIEM backlogs, event-bus drops, and the process start time.
public struct MetricsScrape: Sendable {
    /// One configured deployment's state now.
    public struct Deployment: Sendable, Hashable {
        public var id: String
        public var provider: String
        public var state: HealthStateName
        public var inFlight: Int
        public init(id: String, provider: String, state: HealthStateName, inFlight: Int) {
            self.id = id
            self.provider = provider
            self.state = state
            self.inFlight = inFlight
        }
    }

    public var deployments: [Deployment]
    public var spoolRecords: Int
    public var spoolBytes: Int
    public var siemSinks: [SIEMSinkStats]
    /// Events each named bus subscriber lost because it fell behind.
    public var droppedEvents: [(subscriber: String, count: Int)]
    public var processStartTime: Date
    /// CPU, memory and descriptors now (`process_*`); nil where they cannot be read.
    public var process: ProcessStat?
    /// Every configured budget's use in its current window (`aam_budget_*`).
    public var budgets: [BudgetGauge] = []
    /// Evidence records quarantined since start (the database refused their content).
    public var evidenceQuarantined = 0
    /// Records in the quarantine now (kept until re-driven or discarded).
    public var quarantineRecords = 0

    public init(
        deployments: [Deployment] = [], spoolRecords: Int = 0, spoolBytes: Int = 0, siemSinks: [SIEMSinkStats] = [],
        droppedEvents: [(subscriber: String, count: Int)] = [], processStartTime: Date
    ) {
        self.deployments = deployments
        self.spoolRecords = spoolRecords
        self.spoolBytes = spoolBytes
        self.siemSinks = siemSinks
        self.droppedEvents = droppedEvents
        self.processStartTime = processStartTime
    }
}

extension GatewayMetrics {
    /// The whole exposition: event-fed families first, then what the scrape read now. Series
    /// are sorted, so the same state always renders the same text.
    public func render(_ scrape: MetricsScrape) -> String {
        var out = PrometheusText()
        out.family("aam_requests_total", .counter, help: "Calls finished, by configured alias, provider, HTTP status and outcome.")
        for (key, value) in requests.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_requests_total", [("alias", key.alias), ("provider", key.provider), ("status", key.status), ("outcome", key.outcome)], Double(value))
        }
        out.family("aam_tokens_total", .counter, help: "Tokens billed, by alias, provider and direction (prompt or completion).")
        for (key, value) in tokens.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_tokens_total", [("alias", key.alias), ("provider", key.provider), ("direction", key.direction)], Double(value))
        }
        out.family("aam_spend_usd_total", .counter, help: "Spend in US dollars at the prices in effect, by alias and provider.")
        for (key, value) in spend.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_spend_usd_total", [("alias", key.alias), ("provider", key.provider)], Double(value.nanos) / Double(Money.nanosPerDollar))
        }
        out.family("aam_request_duration_seconds", .histogram, help: "Whole-call latency, by alias.")
        for (alias, histogram) in durations.sorted(by: { $0.key < $1.key }) {
            out.histogram("aam_request_duration_seconds", [("alias", alias)], histogram)
        }
        out.family("aam_time_to_first_token_seconds", .histogram, help: "Time to the first content byte, by alias.")
        for (alias, histogram) in firstTokens.sorted(by: { $0.key < $1.key }) {
            out.histogram("aam_time_to_first_token_seconds", [("alias", alias)], histogram)
        }
        out.family("aam_upstream_attempts_total", .counter, help: "Upstream attempts (retries and fallbacks included), by provider, deployment and status.")
        for (key, value) in attempts.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_upstream_attempts_total", [("provider", key.provider), ("deployment", key.deployment), ("status", key.status)], Double(value))
        }
        out.family("aam_guardrail_hits_total", .counter, help: "Guardrail matches, by detector, direction and action.")
        for (key, value) in guardrailHits.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_guardrail_hits_total", [("detector", key.detector), ("direction", key.direction), ("action", key.action)], Double(value))
        }
        out.family("aam_health_transitions_total", .counter, help: "Deployment health changes, by the state entered.")
        for (state, value) in healthTransitions.sorted(by: { $0.key < $1.key }) {
            out.sample("aam_health_transitions_total", [("state", state)], Double(value))
        }
        out.family("aam_models_unpriced_total", .counter, help: "Provider models found without a price (once each per process).")
        out.sample("aam_models_unpriced_total", [], Double(unpricedModels))
        renderScrape(scrape, into: &out)
        return out.text
    }

    private func renderScrape(_ scrape: MetricsScrape, into out: inout PrometheusText) {
        let deployments = scrape.deployments.sorted { $0.id < $1.id }
        out.family("aam_deployment_health_state", .gauge, help: "1 for the deployment's current health state, 0 for the others.")
        for deployment in deployments {
            for state in HealthStateName.allCases {
                out.sample(
                    "aam_deployment_health_state", [("deployment", deployment.id), ("provider", deployment.provider), ("state", state.rawValue)],
                    state == deployment.state ? 1 : 0)
            }
        }
        out.family("aam_deployment_in_flight", .gauge, help: "Upstream attempts begun and not yet finished, by deployment.")
        for deployment in deployments {
            out.sample("aam_deployment_in_flight", [("deployment", deployment.id), ("provider", deployment.provider)], Double(deployment.inFlight))
        }
        out.family("aam_spool_backlog_records", .gauge, help: "Evidence records in the local spool not yet in the database.")
        out.sample("aam_spool_backlog_records", [], Double(scrape.spoolRecords))
        out.family("aam_spool_backlog_bytes", .gauge, help: "Bytes of evidence in the local spool not yet in the database.")
        out.sample("aam_spool_backlog_bytes", [], Double(scrape.spoolBytes))
        out.family("aam_evidence_quarantined_total", .counter, help: "Evidence records the database refused for their content, set aside in the quarantine.")
        out.sample("aam_evidence_quarantined_total", [], Double(scrape.evidenceQuarantined))
        out.family("aam_evidence_quarantine_records", .gauge, help: "Evidence records in the quarantine now (GET /admin/evidence/quarantine).")
        out.sample("aam_evidence_quarantine_records", [], Double(scrape.quarantineRecords))
        let sinks = scrape.siemSinks.sorted { $0.name < $1.name }
        let siemFamilies: [(String, PrometheusText.Kind, String, (SIEMSinkStats) -> Double)] = [
            ("aam_siem_backlog_events", .gauge, "Events waiting to be delivered to the SIEM sink.", { Double($0.backlog) }),
            ("aam_siem_export_lag_seconds", .gauge, "Age of the oldest undelivered event (0 when the backlog is empty).", { $0.lagSeconds }),
            ("aam_siem_delivered_total", .counter, "Events the SIEM sink acknowledged.", { Double($0.delivered) }),
            ("aam_siem_failures_total", .counter, "Failed delivery attempts (each retried with backoff).", { Double($0.failures) }),
            ("aam_siem_dropped_total", .counter, "Events given up: backlog full (newest dropped) or rejected by the collector as malformed.", { Double($0.dropped) }),
        ]
        for (name, kind, help, value) in siemFamilies {
            out.family(name, kind, help: help)
            for sink in sinks { out.sample(name, [("sink", sink.name)], value(sink)) }
        }
        out.family("aam_events_dropped_total", .counter, help: "Bus events a subscriber lost because it fell behind.")
        for entry in scrape.droppedEvents.sorted(by: { $0.subscriber < $1.subscriber }) {
            out.sample("aam_events_dropped_total", [("subscriber", entry.subscriber)], Double(entry.count))
        }
        out.family("process_start_time_seconds", .gauge, help: "Start time of the process since the Unix epoch, in seconds.")
        out.sample("process_start_time_seconds", [], scrape.processStartTime.timeIntervalSince1970.rounded(.down))
        scrape.process?.render(into: &out)
        BudgetGauge.render(scrape.budgets, into: &out)
    }
}
