import AAMCore
import Logging
import ServiceLifecycle
import Synchronization

/// How often the evidence chain heads are anchored outside the database (`aamd --anchor-interval`).
public struct EvidenceAnchorSettings: Sendable, Hashable {
    /// Seconds between anchors (only when a head moved); an anchor is also written at shutdown.
    public var intervalSeconds: Double = 60
    /// An anchor after this many new audit entries, whatever the interval.
    public var everyEntries: Int = 100

    public init() {}
}

/// Writes the heads of the evidence chains (admin audit trail: its durable head; call-record
/// chain: its last link in the database) to the log, as `evidence anchor audit=SEQ:LINK
/// calls=SEQ:LINK`, and to the SIEM stream (`GatewayEvent.evidenceAnchor`): periodically when a
/// head moved, after every `everyEntries` audit entries, and at shutdown. Someone who deletes
/// the end of a chain in the database leaves every remaining link intact; comparing with an
/// anchor (`aam audit verify --anchor`, `--anchor-file`) shows the chain no longer reaches it.
final class EvidenceAnchorService: Service, Sendable {
    let audit: AuditLog
    let calls: (any EvidenceChainStore)?
    let bus: EventBus
    let logger: Logger
    let settings: EvidenceAnchorSettings
    let appended: AsyncStream<Int>
    private let last = Mutex<[EvidenceAnchor]>([])

    init(
        audit: AuditLog, calls: (any EvidenceChainStore)?, bus: EventBus, logger: Logger, settings: EvidenceAnchorSettings,
        appended: AsyncStream<Int>
    ) {
        self.audit = audit
        self.calls = calls
        self.bus = bus
        self.logger = logger
        self.settings = settings
        self.appended = appended
    }

    func run() async throws {
        let interval = Duration.milliseconds(Int64(max(1, settings.intervalSeconds) * 1000))
        let every = max(1, settings.everyEntries)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { return }
                        await emit(reason: "interval")
                    }
                }
                group.addTask { [self] in
                    var count = 0
                    for await entries in appended {
                        count += entries
                        if count >= every {
                            count = 0
                            await emit(reason: "entries")
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        await emit(reason: "shutdown", always: true)
    }

    /// The current heads (chains with no link yet are left out).
    func heads() async throws -> [EvidenceAnchor] {
        var anchors: [EvidenceAnchor] = []
        let (sequence, link) = try await audit.currentHead()
        if sequence > 0 { anchors.append(EvidenceAnchor(chain: .audit, sequence: sequence, link: link)) }
        if let head = try await calls?.lastChainLink() {
            anchors.append(EvidenceAnchor(chain: .calls, sequence: head.sequence, link: head.mac))
        }
        return anchors
    }

    /// Logs and publishes the heads, unless nothing moved since the last anchor (`always`: at shutdown).
    func emit(reason: String, always: Bool = false) async {
        let anchors: [EvidenceAnchor]
        do { anchors = try await heads() } catch {
            logger.warning("evidence anchor skipped: the chain heads could not be read", metadata: ["reason": "\(error)"])
            return
        }
        guard !anchors.isEmpty else { return }
        let moved = last.withLock { previous in
            defer { previous = anchors }
            return previous != anchors
        }
        guard moved || always else { return }
        logger.info("\(EvidenceAnchor.logMessage(anchors))", metadata: ["trigger": .string(reason)])
        bus.publish(.evidenceAnchor(anchors))
    }
}
