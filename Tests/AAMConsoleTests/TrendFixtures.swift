import AAMControlProtocol
import Foundation
@testable import AAMConsole

/// A daemon's trend window for the golden frames: 90 intervals of 10 s ending with the one in
/// progress at `Fixtures.now` (it began at `now`, so it is left out of the sparklines), traffic that rises and dips, an error burst on
/// anthropic-1 with its cooldown marker, a drain of cohere-embed, workload decisions with
/// denies, and spend on the acme tree.
extension Fixtures {
    static let trendInterval = 10

    static var trends: TrendHistory {
        let last = Int64(now.timeIntervalSince1970) / Int64(trendInterval)
        let buckets = (0..<90).map { step -> TrendBucket in
            let index = last - 89 + Int64(step)
            let wave = (step * 37) % 23
            let requests = 40 + wave * 3 + (step > 60 ? 60 : 0)
            let burst = (70...74).contains(step)
            let deployments: [String: DeploymentTrend] = [
                "openai-east": DeploymentTrend(attempts: requests / 2, errors: step % 17 == 0 ? 2 : 0, p95Ms: 900 + Double(wave * 40)),
                "anthropic-1": DeploymentTrend(attempts: burst ? 30 : 12, errors: burst ? 18 : 0, p95Ms: burst ? 12_000 : 1_400,
                                               cooldownBegan: step == 72 ? true : nil),
                "cohere-embed": DeploymentTrend(attempts: step < 80 ? 5 : 0, errors: 0, p95Ms: step < 80 ? 300 : nil,
                                                drainBegan: step == 80 ? true : nil),
            ]
            let workloads: [String: DecisionTrend] = [
                Fixtures.analyst: DecisionTrend(allowed: step % 3 == 0 ? 4 : 1, denied: step % 11 == 0 ? 2 : 0),
                Fixtures.reporter: DecisionTrend(allowed: step > 45 ? 2 : 0, denied: 0),
            ]
            let spend = Double(requests) * 0.0009
            return TrendBucket(
                start: Date(timeIntervalSince1970: Double(index) * Double(trendInterval)), requests: step == 89 ? requests / 2 : requests,
                errors: burst ? 20 : step % 17 == 0 ? 2 : 0, p95Ms: burst ? 11_000 : 1_100 + Double(wave * 25),
                spendUSD: String(format: "%.6f", spend), deployments: deployments, workloads: workloads,
                scopes: ["org:o1": String(format: "%.6f", spend * 0.8), "team:t1": String(format: "%.6f", spend * 0.6),
                         "project:p1": String(format: "%.6f", spend * 0.55), "org:o2": String(format: "%.6f", spend * 0.05)])
        }
        return TrendHistory(intervalSeconds: trendInterval, capacity: 90, buckets: buckets)
    }
}
