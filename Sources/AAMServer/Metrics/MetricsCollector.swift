import AAMCore
import Foundation
import ServiceLifecycle
import Synchronization

/// Feeds `GatewayMetrics` from the event bus and renders `GET /metrics`.
///
/// Subscribes with a bounded buffer (a scrape or a slow fold never slows a call; missed events
/// are counted in `aam_events_dropped_total{subscriber="metrics"}`). Gauges (health, in-flight,
/// spool and SIEM backlogs) are read at scrape time from their owners.
public final class MetricsCollector: Service, Sendable {
    /// What the scrape reads besides the event-fed counters.
    struct Sources: Sendable {
        var evidenceBacklog: @Sendable () -> any EvidenceBacklogSource
        var siemSinks: @Sendable () -> [SIEMSinkStats]
        /// Bus subscribers other than this one, with their drop counts.
        var droppedEvents: @Sendable () -> [(subscriber: String, count: Int)]
        /// What runs (`aam_build_info`).
        var build = BuildIdentity()
    }

    private struct State {
        var metrics = GatewayMetrics()
        var vocabulary = MetricLabelVocabulary()
        var vocabularyVersion = -1
    }

    let runtime: GatewayRuntime
    let sources: Sources
    let startTime: Date
    private let subscription: EventBus.Subscription
    private let state = Mutex(State())

    init(runtime: GatewayRuntime, sources: Sources, startTime: Date = Date()) {
        self.runtime = runtime
        self.sources = sources
        self.startTime = startTime
        self.subscription = runtime.bus.subscribe(bufferSize: 1 << 16)
    }

    public func run() async throws {
        let events = subscription.events
        await withGracefulShutdownHandler {
            for await event in events { fold(event) }
        } onGracefulShutdown: { [subscription] in
            subscription.cancel()
        }
    }

    private func fold(_ event: GatewayEvent) {
        let snapshot = runtime.snapshots.snapshot
        state.withLock { state in
            // Label values come from the configuration in force when the event is counted.
            if state.vocabularyVersion != snapshot.version {
                state.vocabulary = MetricLabelVocabulary(snapshot: snapshot)
                state.vocabularyVersion = snapshot.version
            }
            state.metrics.record(event, vocabulary: state.vocabulary)
        }
    }

    /// The Prometheus text exposition now.
    public func exposition() -> String {
        let now = runtime.clock.now()
        let snapshot = runtime.snapshots.snapshot
        let deployments = snapshot.state.deployments.values.map { deployment in
            let health = runtime.health.snapshot(deployment.id, at: now)
            return MetricsScrape.Deployment(id: deployment.id, provider: deployment.provider, state: health.state, inFlight: health.inFlight)
        }
        let backlog = sources.evidenceBacklog()
        var scrape = MetricsScrape(
            deployments: deployments, spoolRecords: backlog.backlogRecords, spoolBytes: backlog.backlogBytes,
            siemSinks: sources.siemSinks(), droppedEvents: sources.droppedEvents() + [("metrics", subscription.dropped)],
            processStartTime: startTime)
        scrape.evidenceQuarantined = backlog.quarantinedCount
        scrape.quarantineRecords = backlog.quarantineRecords
        scrape.process = ProcessStatReader.read()
        scrape.budgets = runtime.budgetGauges
        let metrics = state.withLock { $0.metrics }
        return metrics.render(scrape) + clusterGauges(at: now) + sources.build.prometheusFamily
    }

    /// A replica's view of the cluster (only once it has synced with a shared database): the
    /// configuration version it serves and how long since it was last confirmed current.
    func clusterGauges(at now: Date) -> String {
        let feed = runtime.registry.feedStatus
        let reading = feed.reading
        guard reading.lastSyncAt != nil else { return "" }
        let stale = (feed.staleSeconds(at: now) * 1000).rounded() / 1000
        return """
            # HELP aam_config_version The configuration change-feed version this replica serves.
            # TYPE aam_config_version gauge
            aam_config_version \(reading.appliedVersion)
            # HELP aam_config_stale_seconds Seconds since this replica last confirmed its configuration current with the shared database.
            # TYPE aam_config_stale_seconds gauge
            aam_config_stale_seconds \(stale)
            # HELP aam_config_feed_reachable 1 when the last sync with the shared database succeeded, else 0.
            # TYPE aam_config_feed_reachable gauge
            aam_config_feed_reachable \(reading.lastError == nil ? 1 : 0)

            """
    }
}

/// Where the evidence spool registers itself for `/metrics`; empty (zero backlog) until then.
final class EvidenceBacklogSlot: Sendable {
    private let source = Mutex<any EvidenceBacklogSource>(NoEvidenceBacklog())

    var current: any EvidenceBacklogSource { source.withLock { $0 } }

    func set(_ newSource: any EvidenceBacklogSource) { source.withLock { $0 = newSource } }
}
