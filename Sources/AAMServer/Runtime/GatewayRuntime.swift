import AAMCore
import Logging
import Synchronization

/// Tunables of the data path.
public struct DataPlaneSettings: Sendable {
    /// Largest accepted request body (413 above it). Default 8 MiB.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Largest upstream (non-streamed) response body accepted.
    public var maxUpstreamBodyBytes: Int = 64 * 1024 * 1024
    /// Time allowed per upstream attempt (to the response head; a stream may not run past it
    /// either) when the alias sets no `timeoutMs`.
    public var defaultTimeoutMs: Int = 600_000
    /// Time allowed for a whole request: every attempt, fallback and backoff sleep. Retries stop
    /// when it is reached.
    public var requestDeadlineMs: Int = 900_000
    /// A client connection that sends nothing for this long while its request is being read
    /// (a stalled or slowloris upload), or between requests, is closed. Never applies while a
    /// response is being produced.
    public var clientIdleTimeoutSeconds: Double = 60
    /// Time allowed to open a connection to a vendor.
    public var upstreamConnectTimeoutMs: Int = 5_000
    /// Longest silence from a vendor once a request is sent: waiting for the response head, or
    /// between two chunks of a stream. A stalled stream then ends with an in-band error.
    public var upstreamIdleTimeoutMs: Int = 120_000
    /// Connections per vendor host. Pools are per host, so a slow vendor exhausting its own
    /// pool cannot starve the others.
    public var upstreamConnectionsPerHost: Int = 512
    /// The HTTP client of vendor calls (`--upstream-client`, `AAM_UPSTREAM_CLIENT`).
    public var upstreamClient: UpstreamClientKind = .nio
    /// Hold-back window of the streaming response guardrails, in bytes per text channel: the
    /// longest secret that can be caught when split across chunks. Larger costs more per chunk
    /// (`scripts/bench-guardrails` measures it) and delays text by up to this many bytes.
    public var guardrailWindowBytes: Int = 256
    /// Output tokens reserved for a call that gives no `max_tokens` (budget and TPM estimate).
    public var defaultOutputCap: Int = 4096

    public init() {}
}

/// Everything the request path shares, built once at start. Reads are lock-free or a pointer
/// copy under a short lock; nothing here touches the database.
public final class GatewayRuntime: Sendable {
    public let snapshots: SnapshotHolder
    /// Trust bundles and JWT-SVID rules for callers that authenticate as workloads.
    public let workloadTrust = WorkloadTrust()
    public let registry: ConfigRegistry
    public let keys: KeyAuthority
    public let vault: CredentialVault
    public let bus: EventBus
    public let clock: any WallClock
    /// `clock` corrected to the database's on a cluster (`AlignedClock`, measured by the replica
    /// heartbeat): budgets and rate limits cut their windows on it, so replicas agree on them.
    /// Nil for a test's manual clock, which is used as is.
    let alignedClock: AlignedClock?
    /// The clock of budgets and rate limits: aligned when it can be.
    var governanceClock: any WallClock { alignedClock ?? clock }
    public let random: any RandomSource
    public let transport: any UpstreamTransport
    public let simulated: SimulatedTransport
    public let settings: DataPlaneSettings
    public let logger: Logger
    /// Per-deployment health (cooldowns, breakers, in-flight, latency): in memory, no awaits.
    public let health: HealthRegistry
    public let backoff: RetryBackoff
    /// Compiled guardrail engines per scope chain (current snapshot only).
    let guardrails = GuardrailEngines()
    /// Budget ledger and rate limiter of the scope chains (in memory; UTC calendar periods).
    public let governance = GovernanceState(timeZone: .gmt)
    /// Prices per provider and upstream model (`PUT /admin/pricing`).
    public let prices: PriceBook
    /// Each key's last-used time (`GET /admin/keys`).
    public let keyUsage = KeyUsage()
    /// Makes call records durable (strict or batched) and refuses calls when it cannot.
    public let evidence: EvidenceWriter
    /// Each workload identity's spend today (UTC), for its AgentPolicy's `budget.daily_usd`.
    let agentSpend = AgentSpendLedger()
    /// The compiled AgentPolicy set (rebuilt by the registry on every policy change).
    var policies: PolicyHolder { registry.policyHolder }
    /// This replica's budget slices when several replicas share the database (nil: single node).
    let budgetLeaseBook = Mutex<BudgetLeaseBook?>(nil)
    var budgetLeases: BudgetLeaseBook? { budgetLeaseBook.withLock { $0 } }
    /// This replica's allowances of the cluster's RPM/TPM buckets (nil: single node).
    let rateLeaseBook = Mutex<RateLeaseBook?>(nil)
    var rateLeases: RateLeaseBook? { rateLeaseBook.withLock { $0 } }
    /// The replica registry as last read after a heartbeat (single node: no cluster), for the
    /// control socket, which answers from memory.
    public let replicaRoster = ReplicaRosterCache()
    /// MCP broker sessions (sealed ids) and the ids closed, shared by the endpoint and, on a
    /// cluster, `MCPCloseRelay`.
    let mcpSessions: MCPSessions
    /// The cluster's budget windows for status displays (empty on a single node).
    let clusterSpend = ClusterSpendCache()
    /// Admissions since start; every 4096th prunes the governance state (`GovernanceGate`).
    let governanceAdmissions = Atomic<Int>(0)

    public init(
        snapshots: SnapshotHolder, registry: ConfigRegistry, keys: KeyAuthority, vault: CredentialVault, bus: EventBus,
        clock: any WallClock, random: any RandomSource, transport: any UpstreamTransport, simulated: SimulatedTransport,
        settings: DataPlaneSettings, logger: Logger, health: HealthRegistry, evidence: EvidenceWriter, backoff: RetryBackoff = RetryBackoff()
    ) {
        self.evidence = evidence
        self.health = health
        self.backoff = backoff
        self.snapshots = snapshots
        self.registry = registry
        self.keys = keys
        self.vault = vault
        self.bus = bus
        self.prices = PriceBook(bus: bus)
        self.clock = clock
        self.alignedClock = (clock as? any RealTimeClock).map { AlignedClock(base: $0) }
        self.random = random
        self.transport = transport
        self.simulated = simulated
        self.settings = settings
        self.logger = logger
        self.mcpSessions = MCPSessions(vault: vault, clock: clock)
    }

    /// Publishes a health transition, if any, on the bus.
    func publish(_ transition: HealthTransition?) {
        if let transition { bus.publish(.health(transition)) }
    }

    /// The transport for a provider: the in-process simulator or real HTTP.
    func transport(for provider: ProviderConfig) -> any UpstreamTransport {
        provider.wireProtocol == .simulated ? simulated : transport
    }
}
