import AAMControlProtocol
import AAMCore
import Foundation

/// The gateway's recent history for the console's sparklines: a fixed-size ring of
/// per-interval buckets (by default 90 of 10 s, the last 15 minutes), kept by the daemon so a
/// console that attaches sees the history at once.
///
/// Pure: fed by call records, policy decisions, health transitions and drain observations,
/// each with its own time; read with an explicit `now`. No I/O and no lock: `ControlActivity`
/// holds it under its one short lock.
///
/// Only the interval in progress keeps raw material (latency histograms); when time moves
/// past it, it is reduced to a `TrendBucket` and joins the closed ones. Anything recorded with
/// a time before the open interval (a call that finished just before the tick but was
/// published after it) counts in the open interval: the figures stay exact in sum.
struct TrendRing: Sendable {
    let interval: TimeInterval
    let capacity: Int
    private var closed: [TrendBucket] = []
    private var open: OpenBucket?

    init(interval: TimeInterval = 10, capacity: Int = 90) {
        self.interval = max(1, interval)
        self.capacity = max(2, capacity)
    }

    private struct OpenBucket: Sendable {
        var index: Int64
        var requests = 0
        var errors = 0
        var latency = LatencyHistogram()
        var spend = Money.zero
        var deployments: [String: DeploymentAccumulator] = [:]
        var workloads: [String: DecisionTrend] = [:]
        var scopes: [String: Money] = [:]
    }

    private struct DeploymentAccumulator: Sendable {
        var attempts = 0
        var errors = 0
        var latency = LatencyHistogram()
        var cooldownBegan = false
        var drainBegan = false
    }

    func index(of time: Date) -> Int64 { Int64((time.timeIntervalSince1970 / interval).rounded(.down)) }

    /// One finished call: the gateway's figures, each attempt's deployment, the spend per scope.
    mutating func record(_ call: CallRecord, finishedAt time: Date) {
        let cost = call.costUSD.flatMap { try? Money(parsing: $0) } ?? .zero
        withOpenBucket(at: time) { bucket in
            bucket.requests += 1
            if call.outcome != .success { bucket.errors += 1 }
            bucket.latency.record(call.latencyMs)
            bucket.spend = bucket.spend.saturatingAdding(cost)
            for attempt in call.attempts {
                var deployment = bucket.deployments[attempt.deployment] ?? DeploymentAccumulator()
                deployment.attempts += 1
                if attempt.errorClass != nil || (attempt.status ?? 500) >= 400 { deployment.errors += 1 }
                deployment.latency.record(attempt.latencyMs)
                bucket.deployments[attempt.deployment] = deployment
            }
            guard cost > .zero else { return }
            for scope in SpendActivity.chain(of: call) {
                let key = "\(scope.kind.rawValue):\(scope.id)"
                bucket.scopes[key] = (bucket.scopes[key] ?? .zero).saturatingAdding(cost)
            }
        }
    }

    /// One AgentPolicy decision of a workload.
    mutating func recordDecision(spiffeId: String, allowed: Bool, at time: Date) {
        withOpenBucket(at: time) { bucket in
            var counts = bucket.workloads[spiffeId] ?? DecisionTrend()
            if allowed { counts.allowed += 1 } else { counts.denied += 1 }
            bucket.workloads[spiffeId] = counts
        }
    }

    /// A deployment's breaker opened: its cooldown begins here (the Providers view's marker).
    mutating func markCooldown(deployment: String, at time: Date) {
        withOpenBucket(at: time) { $0.deployments[deployment, default: DeploymentAccumulator()].cooldownBegan = true }
    }

    /// A deployment became drained (itself or through its provider).
    mutating func markDrain(deployment: String, at time: Date) {
        withOpenBucket(at: time) { $0.deployments[deployment, default: DeploymentAccumulator()].drainBegan = true }
    }

    /// The whole window ending with the interval containing `now`, oldest first, every interval
    /// present (quiet ones empty) so bucket `i` is always `capacity - 1 - i` intervals ago.
    func history(at now: Date) -> TrendHistory {
        latest(count: capacity, at: now)
    }

    /// The newest `count` intervals up to the one containing `now` (what a `trend` event carries:
    /// the interval just closed with its final figures, and the one in progress).
    func latest(count: Int, at now: Date) -> TrendHistory {
        let last = index(of: now)
        let first = last - Int64(min(max(1, count), capacity)) + 1
        var byIndex: [Int64: TrendBucket] = [:]
        for bucket in closed { byIndex[index(of: bucket.start)] = bucket }
        if let open { byIndex[open.index] = Self.reduce(open, interval: interval) }
        let buckets = (first...last).map { byIndex[$0] ?? TrendBucket(start: start(of: $0)) }
        return TrendHistory(intervalSeconds: Int(interval), capacity: capacity, buckets: buckets)
    }

    private func start(of index: Int64) -> Date { Date(timeIntervalSince1970: Double(index) * interval) }

    private mutating func withOpenBucket(at time: Date, _ body: (inout OpenBucket) -> Void) {
        let index = index(of: time)
        if var bucket = open, bucket.index >= index {
            body(&bucket)
            open = bucket
            return
        }
        if let previous = open {
            closed.append(Self.reduce(previous, interval: interval))
            if closed.count > capacity { closed.removeFirst(closed.count - capacity) }
        }
        var bucket = OpenBucket(index: index)
        body(&bucket)
        open = bucket
    }

    private static func reduce(_ bucket: OpenBucket, interval: TimeInterval) -> TrendBucket {
        let deployments = bucket.deployments.mapValues { entry in
            DeploymentTrend(
                attempts: entry.attempts, errors: entry.errors, p95Ms: entry.latency.percentile(0.95),
                cooldownBegan: entry.cooldownBegan ? true : nil, drainBegan: entry.drainBegan ? true : nil)
        }
        return TrendBucket(
            start: Date(timeIntervalSince1970: Double(bucket.index) * interval), requests: bucket.requests, errors: bucket.errors,
            p95Ms: bucket.latency.percentile(0.95), spendUSD: bucket.spend.description,
            deployments: deployments.isEmpty ? nil : deployments, workloads: bucket.workloads.isEmpty ? nil : bucket.workloads,
            scopes: bucket.scopes.isEmpty ? nil : bucket.scopes.mapValues(\.description))
    }
}
