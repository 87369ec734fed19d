import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Exports security events to the configured SIEM sinks (syslog, HEC), off the request path.
///
/// Subscribes to the event bus with a bounded buffer (a slow exporter loses bus events, counted
/// in `aam_events_dropped_total{subscriber="siem"}`, and never slows a call), normalizes each
/// event once (`SIEMNormalizer`) and queues it on every sink. Each sink delivers its own backlog
/// in order, at least once (`SIEMSinkRunner`). With an evidence spool, each sink's backlog is a
/// durable outbox beside it (`SIEMOutbox`: a spool of its own whose checkpoint is the sink's
/// delivery cursor), so events undelivered when the process ends are delivered after the next
/// start; without one (`--database memory`) it lives in memory and is lost at shutdown.
/// Shutdown gives the sinks `drainTimeout` to empty it.
public final class SIEMExporter: Service, Sendable {
    let runners: [SIEMSinkRunner]
    let subscription: EventBus.Subscription?
    let runtime: GatewayRuntime
    let settings: SIEMSettings
    let logger: Logger

    /// Builds the sinks of `settings` (already checked by `SIEMSettings.validate()` at start).
    init(runtime: GatewayRuntime, settings: SIEMSettings, logger: Logger) {
        var transports: [any SIEMTransport] = []
        if let host = settings.syslogHost, let port = settings.syslogPort {
            do {
                transports.append(
                    try SyslogTCPTransport(
                        host: host, port: port, tls: settings.syslogTLS, caFile: settings.syslogCAFile,
                        formatter: SyslogMessage(hostname: settings.hostname, processID: String(ProcessInfo.processInfo.processIdentifier)),
                        settleTime: settings.syslogSettleTime))
            } catch {
                logger.error("syslog export disabled", metadata: ["reason": .string(error.message)])
            }
        }
        if let url = settings.hecURL, let token = settings.hecToken {
            transports.append(HECTransport(url: url, token: token, envelope: HECEnvelope(host: settings.hostname)))
        }
        let spoolDirectory = runtime.evidence.spool?.directory
        self.runners = transports.map {
            SIEMSinkRunner(
                transport: $0, settings: settings, clock: runtime.clock, random: runtime.random, logger: logger,
                outboxDirectory: spoolDirectory.map { [name = $0.name] in $0 + "/siem-" + name })
        }
        // Subscribe now, before the config file is applied, so its changes are exported too.
        self.subscription = runners.isEmpty ? nil : runtime.bus.subscribe(bufferSize: 1 << 16)
        self.runtime = runtime
        self.settings = settings
        self.logger = logger
    }

    /// Counters and backlog of every sink, by name.
    public var sinkStats: [SIEMSinkStats] { runners.map { $0.stats() } }
    /// Bus events the exporter missed because it fell behind.
    public var droppedEvents: Int { subscription?.dropped ?? 0 }
    /// Where each sink sends (no token).
    var targets: [String: String] { Dictionary(runners.map { ($0.name, $0.transport.target) }, uniquingKeysWith: { first, _ in first }) }

    public func run() async throws {
        guard let subscription else {
            // Nothing to export: idle until shutdown so the service group treats us like the others.
            try? await gracefulShutdown()
            return
        }
        let runners = runners
        // Runner tasks answer true; the drain timer answers false.
        await withTaskGroup(of: Bool.self) { group in
            for runner in runners {
                group.addTask {
                    await runner.run()
                    return true
                }
            }
            await withGracefulShutdownHandler {
                await consume(subscription)
            } onGracefulShutdown: {
                subscription.cancel()
            }
            // The bus is done (its buffered events were consumed): let the sinks empty their backlogs.
            for runner in runners { runner.finish(within: settings.drainTimeout) }
            group.addTask { [drainTimeout = settings.drainTimeout] in
                try? await Task.sleep(for: drainTimeout + .seconds(1))
                return false
            }
            var finished = 0
            while let runnerDone = await group.next(), runnerDone {
                finished += 1
                if finished == runners.count { break }
            }
            group.cancelAll()
        }
    }

    private func consume(_ subscription: EventBus.Subscription) async {
        for await event in subscription.events {
            var source = SIEMSourceEvent(event: event, observedAt: runtime.clock.now())
            if case .health = event {
                source.deploymentProviders = runtime.snapshots.snapshot.state.deployments.mapValues(\.provider)
            }
            guard let normalized = source.normalized() else { continue }
            for runner in runners { runner.enqueue(source, normalized: normalized) }
        }
    }
}
