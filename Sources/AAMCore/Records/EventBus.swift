import Foundation
import Synchronization

/// Something that happened in the gateway that other parts (audit writer, metrics, console
/// subscribers, SIEM export) want to know about.
public enum GatewayEvent: Sendable, Hashable, Codable {
    case call(CallRecord)
    /// An admin change (who, what) — secrets already masked by the caller.
    case adminChange(actor: String, action: String, target: String)
    /// A deployment's health changed (cooldown, breaker, credential); `operatorEvent` set when
    /// an operator must act.
    case health(HealthTransition)
    /// A guardrail detector fired (any action but `allow`) during a call; no matched text.
    case guardrailHit(requestId: String, decision: GuardrailDecision)
    /// A call needed the price of a model that has none (`PUT /admin/pricing` or the config
    /// file's `pricing:`); published once per provider and upstream model for the process.
    case modelUnpriced(provider: String, model: String)
    /// The evidence spool's undrained backlog crossed its high-water mark (80 % of
    /// `--spool-max-bytes`): the database is unreachable or too slow. At the limit new calls
    /// are refused (`evidence_unavailable`).
    case spoolAlarm(backlogBytes: Int, limitBytes: Int)
    /// An AgentPolicy decided a workload's model or tool call (allow or deny).
    case policyDecision(requestId: String, evidence: PolicyEvidence)
    /// The heads of the evidence chains, recorded outside the database (log, SIEM) so that a
    /// deleted tail is caught by `aam audit verify --anchor`.
    case evidenceAnchor([EvidenceAnchor])
}

/// In-process fan-out of `GatewayEvent`s.
///
/// `publish` never blocks and never awaits: each subscriber has its own bounded buffer, and a
/// subscriber that falls behind loses the oldest-pending overflow and is told how many it missed
/// (`Subscription.dropped`), so a slow consumer can never slow the request path.
public final class EventBus: Sendable {
    private struct Subscriber {
        let continuation: AsyncStream<GatewayEvent>.Continuation
        let dropped: Subscription.DropCounter
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(0)

    public init() {}

    /// A live subscription; iterate `events`. Cancelled when `cancel()` is called or the
    /// iteration ends.
    public struct Subscription: Sendable {
        public final class DropCounter: Sendable {
            let value = Atomic<Int>(0)
            public var count: Int { value.load(ordering: .relaxed) }
        }
        public let events: AsyncStream<GatewayEvent>
        let dropCounter: DropCounter
        let cancelAction: @Sendable () -> Void
        /// Events this subscriber missed because its buffer was full.
        public var dropped: Int { dropCounter.count }
        public func cancel() { cancelAction() }
    }

    public func subscribe(bufferSize: Int = 4096) -> Subscription {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<GatewayEvent>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let counter = Subscription.DropCounter()
        subscribers.withLock { $0[id] = Subscriber(continuation: continuation, dropped: counter) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return Subscription(events: stream, dropCounter: counter) { continuation.finish() }
    }

    public func publish(_ event: GatewayEvent) {
        let current = subscribers.withLock { Array($0.values) }
        for subscriber in current {
            if case .dropped = subscriber.continuation.yield(event) {
                subscriber.dropped.value.wrappingAdd(1, ordering: .relaxed)
            }
        }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Ends every subscription (shutdown).
    public func finishAll() {
        let current = subscribers.withLock { Array($0.values) }
        for subscriber in current { subscriber.continuation.finish() }
    }
}
