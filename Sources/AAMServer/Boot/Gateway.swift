import AAMConfig
import AAMCore
import AAMSecrets
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A fully wired gateway: stores opened, secrets unsealed, configuration applied, routes built.
/// `aamd` runs it until SIGTERM/SIGINT; tests start it on port 0 and stop it by cancelling.
public final class Gateway: Sendable {
    public let runtime: GatewayRuntime
    public let callStore: any CallRecordStore
    /// Makes call records and audit entries durable (spool, strict/batched) and drains them
    /// into the database; its `backlog` feeds metrics.
    public let writer: EvidenceWriter
    let options: DaemonOptions
    let stores: StoreFactory.Stores
    let httpTransport: any OwnedUpstreamTransport
    let boundPort = Mutex<Int?>(nil)
    /// The mTLS listener's bound port (`--mtls-listen`), once running.
    let mtlsPort = Mutex<Int?>(nil)
    /// The admin listener's bound port (`--admin-listen`), once running.
    let adminBoundPort = Mutex<Int?>(nil)
    let readyFlag = Atomic<Bool>(false)
    let serviceGroup = Mutex<ServiceGroup?>(nil)
    /// `GET /metrics`: event-fed counters plus gauges read at scrape time.
    public let metrics: MetricsCollector
    /// SIEM export (syslog, HEC); idle when no sink is configured.
    public let siem: SIEMExporter
    /// The access log (`--access-log`), nil when off.
    let accessLog: AccessLogService?
    /// The evidence spool's backlog for `/metrics` (empty until a spool reports here).
    let evidenceBacklog = EvidenceBacklogSlot()
    /// Anchors the evidence chain heads in the log and the SIEM stream (set once assembled).
    let anchorService = Mutex<EvidenceAnchorService?>(nil)
    /// Who this process is among the replicas sharing its database (nil: single node).
    public let replica: ReplicaIdentity?

    /// Builds the gateway. Throws `StartupError` with a one-line reason when it cannot start.
    public static func build(options: DaemonOptions, logger: Logger) async throws -> Gateway {
        try options.siem.validate(outbound: options.outboundURLPolicy)
        let stores = try await StoreFactory.open(options.database, exclusive: true)
        do {
            return try await assemble(options: options, stores: stores, logger: logger)
        } catch {
            // Nothing may outlive a failed start: close the store before reporting why.
            await stores.close()
            throw error
        }
    }

    private static func assemble(options: DaemonOptions, stores: StoreFactory.Stores, logger: Logger) async throws -> Gateway {
        let vault = CredentialVault(master: options.masterKey)
        let keys: KeyAuthority
        let state: ConfigState
        let chainKeys: EvidenceChainKeyring
        let feedVersion: Int64
        do {
            // A master-key rewrap that stopped midway is completed (or undone) first.
            try await MasterKeyRecovery.resume(store: stores.config, master: options.masterKey)
            keys = try await KeyAuthority.bootstrap(store: stores.config, vault: vault)
            chainKeys = try await EvidenceChainKeyring.bootstrap(store: stores.config, sealer: vault.current)
            // The feed version before the state: whatever commits in between arrives again
            // through the feed (and applying it twice changes nothing).
            feedVersion = try await stores.cluster?.latestConfigVersion() ?? 0
            state = try await stores.config.loadState()
        } catch let error as SecretsError {
            throw StartupError("cannot unseal the stored secrets with this master key (\(options.masterKey.id)): \(error.message)")
        }
        try MCPCredentialCheck.verify(state.mcpServers, vault: vault)
        // Registered once this process has shown it holds the cluster's master key.
        let replica = try await claimReplicaIdentity(options: options, stores: stores)
        // Chained before the spool replay, so records of an unchained past are adopted first.
        try await EvidenceIntegrity.chainCalls(stores.chain, keys: chainKeys, logger: logger)
        let bus = EventBus()
        // The spool before anything serves: records of a previous run are replayed below.
        let evidence = try EvidenceWriter.open(
            settings: options.evidence, database: options.database, calls: stores.calls, audit: stores.audit, bus: bus, logger: logger)
        let holder = SnapshotHolder()
        let clock = options.clock
        let health = HealthRegistry(policy: options.healthPolicy)
        let registry = ConfigRegistry(
            state: state, store: stores.config, holder: holder, vault: vault, bus: bus, clock: clock, health: health, cluster: stores.cluster,
            feedVersion: feedVersion)
        // Every change from here on, the config file's included, is audited before it applies.
        let (appended, appendedContinuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        // In a cluster the trail is one chain in the shared database, appended under a cluster
        // lock straight into it (see `AuditLog.cluster`); a single node appends through the spool.
        let auditLog = AuditLog(
            store: stores.audit, sink: stores.cluster == nil ? evidence : DirectEvidenceSink(audit: stores.audit), clock: clock, keys: chainKeys,
            callChain: stores.chain, appended: appendedContinuation, cluster: stores.cluster)
        await registry.attachAudit(auditLog)
        await registry.setOutboundPolicy(options.outboundURLPolicy)
        let transport = options.dataPlane.makeUpstreamTransport(environment: options.environment)
        let runtime = GatewayRuntime(
            snapshots: holder, registry: registry, keys: keys, vault: vault, bus: bus, clock: clock, random: SystemRandomSource(),
            transport: transport, simulated: SimulatedTransport(), settings: options.dataPlane, logger: logger, health: health,
            evidence: evidence)
        let gateway = Gateway(runtime: runtime, stores: stores, transport: transport, options: options, logger: logger, replica: replica)
        gateway.setEvidenceBacklogSource(evidence)
        if stores.cluster != nil {
            // Another replica's `PUT /admin/pricing` arrives as a feed entry; the table is reloaded whole.
            let config = stores.config
            await registry.setPricingObserver {
                do { try await GovernancePersistence.reloadPrices(runtime: runtime, store: config) } catch {
                    logger.warning("cannot reload the price table changed by another replica", metadata: ["reason": "\(error)"])
                }
            }
        }
        do {
            try gateway.configureWorkloadTrust()
            do { try await evidence.replayBacklog() } catch {
                throw StartupError("cannot replay the evidence spool into the database: \(error)")
            }
            try await EvidenceIntegrity.keyAuditChain(auditLog, logger: logger)
            gateway.anchorService.withLock {
                $0 = EvidenceAnchorService(
                    audit: auditLog, calls: stores.chain, bus: bus, logger: logger, settings: options.anchors, appended: appended)
            }
            try await restoring { try await GovernancePersistence.restorePrices(runtime: runtime, store: stores.config) }
            if let path = options.configPath {
                try await gateway.applyConfigFile(path)
            }
            if let replica, let leases = stores.budgetLeases {
                // Several replicas: budgets are held as slices of the shared windows in Postgres,
                // not as a local ledger restored from a snapshot. What a previous run of this
                // replica held is charged in full (it cannot tell what of it was spent).
                runtime.governance.enableLeases()
                // Shared windows are cut on the database's clock: align before serving.
                if let cluster = stores.cluster, let aligned = runtime.alignedClock {
                    await ClockAlignment.measure(cluster, aligned: aligned, logger: logger)
                }
                do { _ = try await leases.resetBudgetLeases(replica: replica.id) } catch {
                    throw StartupError("cannot reset this replica's budget slices: \(error)")
                }
                runtime.budgetLeaseBook.withLock {
                    $0 = BudgetLeaseBook(
                        store: leases, governance: runtime.governance, replica: replica.id, clock: runtime.governanceClock, logger: logger,
                        currentBudget: { [holder, policies = runtime.policies] key in
                            GovernanceGate.budget(of: key, in: holder.snapshot.state, policies: policies.engine)
                        })
                }
                if let rates = stores.rateLeases {
                    runtime.rateLeaseBook.withLock {
                        $0 = RateLeaseBook(
                            store: rates, governance: runtime.governance, clock: runtime.governanceClock, logger: logger,
                            liveReplicas: { [roster = runtime.replicaRoster] in roster.liveCount })
                    }
                }
            } else {
                // Spend is replayed against the scope chains of the applied configuration.
                try await restoring { try await GovernancePersistence.restoreSpend(runtime: runtime, store: stores.config, calls: stores.calls) }
            }
            try await restoring { try await runtime.agentSpend.replay(from: stores.calls, now: runtime.clock.now()) }
        } catch {
            await transport.shutdown()
            await evidence.abandon()
            throw error
        }
        return gateway
    }

    private static func restoring(_ operation: () async throws -> Void) async throws {
        do {
            try await operation()
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError("cannot restore the persisted spend and prices: \(error)")
        }
    }

    init(
        runtime: GatewayRuntime, stores: StoreFactory.Stores, transport: any OwnedUpstreamTransport, options: DaemonOptions, logger: Logger,
        replica: ReplicaIdentity? = nil
    ) {
        self.replica = replica
        self.runtime = runtime
        self.stores = stores
        self.callStore = stores.calls
        self.httpTransport = transport
        self.options = options
        self.writer = runtime.evidence
        let siem = SIEMExporter(runtime: runtime, settings: options.siem, logger: logger)
        self.siem = siem
        let accessLog = options.accessLog.fileDescriptor.map {
            AccessLogService(bus: runtime.bus, json: options.logFormat == "json", writer: AccessLogWriter(descriptor: $0))
        }
        self.accessLog = accessLog
        self.metrics = MetricsCollector(
            runtime: runtime,
            sources: .init(
                evidenceBacklog: { [evidenceBacklog] in evidenceBacklog.current }, siemSinks: { siem.sinkStats },
                droppedEvents: { [writer] in
                    [("call_writer", writer.droppedEvents), ("siem", siem.droppedEvents)] + (accessLog.map { [("access_log", $0.droppedEvents)] } ?? [])
                }, build: options.build))
    }

    /// Loads, validates and applies the config file (at start and on SIGHUP).
    @discardableResult
    public func applyConfigFile(_ path: String) async throws -> Int {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: path, environment: options.environment, outbound: options.outboundURLPolicy)
        } catch {
            throw StartupError("invalid config:\n\(error.description)")
        }
        let count = try await runtime.registry.apply(loaded, keys: runtime.keys, source: "config:\((path as NSString).lastPathComponent)")
        if let prices = loaded.prices {
            let source = "config:\((path as NSString).lastPathComponent)"
            if let draft = ConfigAudit.pricing(actor: source, action: "config.apply", old: runtime.prices.table.allPrices, new: prices) {
                try await runtime.registry.recordAudit([draft])
            }
            try await GovernancePersistence.savePrices(prices, store: stores.config)
            runtime.prices.replace(with: prices)
        }
        return count
    }

    /// Where `/metrics` reads the evidence spool's backlog (`aam_spool_backlog_records`/`_bytes`).
    public func setEvidenceBacklogSource(_ source: any EvidenceBacklogSource) {
        evidenceBacklog.set(source)
    }

    /// The port the listener bound (useful with port 0), once running.
    public var port: Int? { boundPort.withLock { $0 } }

    /// The port the mTLS listener bound, once running (nil without `--mtls-listen`).
    public var mutualTLSPort: Int? { mtlsPort.withLock { $0 } }

    /// What `/admin/replicas` and `/readyz` show of the cluster.
    var clusterView: ClusterView {
        ClusterView(
            cluster: stores.cluster, identity: replica, feed: runtime.registry.feedStatus,
            listen: { [self, options] in "\(options.host):\(port ?? options.port)" })
    }

    /// The routes of a listener: by default what the data listener serves (the mTLS listener
    /// serves the same), see `dataSurface`.
    func makeRouter(surface: RouteSurface? = nil) -> Router<GatewayContext> {
        GatewayRouter.build(
            runtime: runtime, admin: AdminAuth(token: options.adminToken), calls: callStore,
            ready: { [self] in readyFlag.load(ordering: .relaxed) }, metrics: metrics, siem: siem, siemSettings: options.siem,
            cluster: clusterView, surface: surface ?? dataSurface)
    }

    /// The Hummingbird application serving the data plane (and the admin API without `--admin-listen`).
    func makeApplication(startup: ListenerStartup) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(options.dataPlane.clientIdleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.withLock { $0 = port }
                readyFlag.store(true, ordering: .relaxed)
                await startup.bound(.dataPlane, port: port)
            },
            logger: runtime.logger)
    }

    /// Runs until a graceful shutdown: SIGTERM/SIGINT when `handleSignals`, or cancellation.
    /// In-flight calls finish; the call record writer drains last. `onRunning` gets the data
    /// port once every HTTP listener (data, and admin with `--admin-listen`) is bound.
    public func run(handleSignals: Bool = true, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let startup = ListenerStartup(expectsAdmin: options.adminListen != nil, onRunning: onRunning)
        let application = makeApplication(startup: startup)
        // Services stop in reverse order: the governance snapshot is written last, after the
        // listener has drained and the call record writer has flushed.
        var services: [any Service] = [
            GovernancePersistence(runtime: runtime, store: stores.config, logger: runtime.logger, savesSpend: stores.cluster == nil), writer,
            HealthTicker(runtime: runtime),
            application,
        ]
        if let replica, let cluster = stores.cluster {
            // Stop first (they are appended last): the row leaves the registry at a graceful stop.
            services.append(ConfigFeedService(registry: runtime.registry, cluster: cluster, clock: runtime.clock, logger: runtime.logger))
            services.append(ClusterHealthRelay(runtime: runtime, cluster: cluster, replicaID: replica.id, logger: runtime.logger))
            services.append(MCPCloseRelay(sessions: runtime.mcpSessions, cluster: cluster, replicaID: replica.id, clock: runtime.clock, logger: runtime.logger))
            if let book = runtime.budgetLeases { services.append(LeaseTickService(book: book, rates: runtime.rateLeases)) }
            runtime.replicaRoster.joined(as: replica)
            services.append(ReplicaHeartbeatService(
                identity: replica, cluster: cluster, feed: runtime.registry.feedStatus, clock: runtime.clock, aligned: runtime.alignedClock,
                logger: runtime.logger,
                boundListen: { [self, options] in port.map { "\(options.host):\($0)" } },
                leases: { [runtime] in (await runtime.budgetLeases?.heldCount ?? 0) + (await runtime.rateLeases?.heldCount ?? 0) },
                roster: runtime.replicaRoster))
        } else {
            runtime.replicaRoster.standsAlone(store: ReplicaRosterCache.storeName(forDatabase: options.database))
        }
        // Before the writer, so it stops after it: the shutdown anchor names the final heads.
        if let anchors = anchorService.withLock({ $0 }) { services.insert(anchors, at: 1) }
        // Before the anchors, so the SIEM exporter stops after them: the shutdown anchor reaches
        // its outbox (and stops after the HTTP application: it exports the last calls' events).
        services.insert(siem, at: 1)
        // Before the HTTP application, so it stops after it and counts its last calls.
        services.insert(metrics, at: services.count - 1)
        // Likewise: the last calls' lines are written before it stops.
        if let accessLog { services.insert(accessLog, at: services.count - 1) }
        // Before the HTTP application, so it stops after it (services stop in reverse order).
        if let control = try makeControlSocketService() { services.insert(control, at: services.count - 1) }
        if handleSignals, let path = options.configPath {
            services.insert(ConfigReloadService(gateway: self, path: path, logger: runtime.logger), at: 0)
        }
        // Before the plain listener, so the mTLS listener also stops before the evidence writer.
        do {
            services.insert(contentsOf: try makeWorkloadServices(handleSignals: handleSignals), at: services.count - 1)
        } catch {
            await shutdown()
            throw error
        }
        // Last, so it stops first: admin calls end before the data listener drains.
        if let admin = makeAdminApplication(startup: startup) { services.append(admin) }
        let group = ServiceGroup(
            configuration: .init(
                // A service that returns (the HTTP server after draining) must not cancel the
                // others: the call record writer still has to flush what the last calls produced.
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: runtime.logger))
        serviceGroup.withLock { $0 = group }
        do {
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Starts a graceful shutdown: the listener stops accepting, in-flight calls finish, the
    /// call record writer drains, then `run` returns.
    public func stop() async {
        let group = serviceGroup.withLock { $0 }
        await group?.triggerGracefulShutdown()
    }

    /// Releases the transport and closes the store, even when the calling task was cancelled
    /// (closing must not be skipped: SQLite would lose its WAL checkpoint).
    func shutdown() async {
        let transport = httpTransport
        let stores = stores
        await Task {
            await transport.shutdown()
            await stores.close()
        }.value
    }
}

/// Re-applies the config file on SIGHUP; a bad file is reported and the running config kept.
struct ConfigReloadService: Service {
    let gateway: Gateway
    let path: String
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                do {
                    let count = try await gateway.applyConfigFile(path)
                    logger.info("config reloaded", metadata: ["file": .string(path), "entities": "\(count)"])
                } catch {
                    logger.error("config reload refused; keeping the running config", metadata: ["reason": "\(error)"])
                }
            }
        } onGracefulShutdown: {}
    }
}

extension Gateway {
    /// In a cluster, this replica's identity and its first heartbeat; nil on a single node.
    ///
    /// A second process claiming a live replica's id is refused (two processes writing one
    /// heartbeat row would hide each other). A fresh row alone does not prove its holder is
    /// alive: the same replica restarted after `kill -9` finds its own last heartbeat. So a
    /// fresh row is watched for up to 2.5 heartbeat intervals: if it is written again, another
    /// process holds the id; if not, its holder is gone and this process takes the id over.
    static func claimReplicaIdentity(options: DaemonOptions, stores: StoreFactory.Stores) async throws -> ReplicaIdentity? {
        guard let cluster = stores.cluster else { return nil }
        let identity = ReplicaIdentity(id: options.replicaId, host: options.host, port: options.port)
        func read() async throws -> ReplicaRow? {
            do { return try await cluster.replica(id: identity.id) } catch {
                throw StartupError("cannot read the replica registry: \(error)")
            }
        }
        if let first = try await read(), ReplicaLiveness.isLive(heartbeatAgeSeconds: first.heartbeatAgeSeconds) {
            let watchUntil = ContinuousClock.now + ReplicaHeartbeatService.interval * 2.5
            while ContinuousClock.now < watchUntil {
                try await Task.sleep(for: .milliseconds(250))
                if let again = try await read(), again.lastHeartbeatAt > first.lastHeartbeatAt {
                    throw StartupError(
                        "replica id '\(identity.id)' is held by a live replica (listening on \(again.heartbeat.listen)): "
                            + "give each replica its own --replica-id")
                }
            }
        }
        do {
            try await cluster.heartbeat(ReplicaHeartbeat(
                id: identity.id, instance: identity.instance, version: ReplicaIdentity.softwareVersion, listen: identity.listen,
                startedAt: identity.startedAt))
        } catch {
            throw StartupError("cannot register in the replica registry: \(error)")
        }
        return identity
    }
}
