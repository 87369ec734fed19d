import AAMCore
import Foundation

/// The most recent upstream attempt latencies of each deployment, for the Providers view's
/// p50/p95. Pure: fed by call records, read with an explicit `now`.
///
/// Each deployment keeps its last `capacity` samples in a ring; samples older than `maxAge`
/// are ignored, so a deployment that stopped taking traffic shows no stale percentiles.
struct LatencyWindow: Sendable {
    private struct Ring: Sendable {
        var latencies: [Double] = []
        var times: [Date] = []
        var next = 0
    }

    let capacity: Int
    let maxAge: TimeInterval
    private var rings: [String: Ring] = [:]

    init(capacity: Int = 256, maxAge: TimeInterval = 900) {
        self.capacity = max(1, capacity)
        self.maxAge = maxAge
    }

    mutating func record(deployment: String, latencyMs: Double, at time: Date) {
        guard latencyMs.isFinite, latencyMs >= 0 else { return }
        var ring = rings[deployment] ?? Ring()
        if ring.latencies.count < capacity {
            ring.latencies.append(latencyMs)
            ring.times.append(time)
        } else {
            ring.latencies[ring.next] = latencyMs
            ring.times[ring.next] = time
        }
        ring.next = (ring.next + 1) % capacity
        rings[deployment] = ring
    }

    /// Every attempt of a finished call (retries and fallbacks count for their own deployment).
    mutating func record(_ attempts: [CallRecord.Attempt], at time: Date) {
        for attempt in attempts { record(deployment: attempt.deployment, latencyMs: attempt.latencyMs, at: time) }
    }

    /// Nearest-rank percentiles over the samples newer than `maxAge`; nil without any.
    func percentiles(of deployment: String, at now: Date) -> (p50: Double, p95: Double)? {
        guard let ring = rings[deployment] else { return nil }
        let cutoff = now.addingTimeInterval(-maxAge)
        var recent: [Double] = []
        recent.reserveCapacity(ring.latencies.count)
        for index in ring.latencies.indices where ring.times[index] >= cutoff { recent.append(ring.latencies[index]) }
        guard !recent.isEmpty else { return nil }
        recent.sort()
        return (Self.nearestRank(0.50, recent), Self.nearestRank(0.95, recent))
    }

    /// Forgets deployments that no longer exist.
    mutating func retain(only deployments: Set<String>) {
        rings = rings.filter { deployments.contains($0.key) }
    }

    static func nearestRank(_ quantile: Double, _ sorted: [Double]) -> Double {
        let rank = Int((quantile * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
