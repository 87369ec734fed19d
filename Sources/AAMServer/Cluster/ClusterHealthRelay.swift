import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Shares rate-limit cooldowns between replicas: a vendor's limit belongs to the credential,
/// not to the replica that happened to hit it, so a 429 seen by one replica cools the
/// deployment down on all of them (issue 14 item 5).
///
/// Out: every local transition into `cooling_down` because of a 429 is sent as a NOTIFY on
/// `aam_health` carrying the deployment and the time remaining (not an absolute time: replica
/// clocks may differ, a duration does not). In: a peer's message cools the deployment down
/// until now + remaining, published locally as a `peer_rate_limited` transition, which is
/// never sent on again (no echo). Best effort by design: a message lost while the database is
/// unreachable costs at most one extra 429 per replica, which cools that replica down itself.
struct ClusterHealthRelay: Service {
    static let channel = "aam_health"

    struct Message: Codable, Sendable {
        var replica: String
        var deployment: String
        var remainingMs: Int64
    }

    let runtime: GatewayRuntime
    let cluster: any ClusterStore
    let replicaID: String
    let logger: Logger

    func run() async throws {
        let subscription = runtime.bus.subscribe()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await relayOutgoing(subscription) }
                group.addTask { await ClusterChannel.listenUntilCancelled(cluster, channel: Self.channel, what: "cooldown sharing", logger: logger) { apply($0) } }
            }
        }
        subscription.cancel()
    }

    private func relayOutgoing(_ subscription: EventBus.Subscription) async {
        for await event in subscription.events {
            guard case .health(let transition) = event, let message = Self.outgoing(transition, from: replicaID, at: runtime.clock.now()) else { continue }
            do {
                let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                try await cluster.notify(channel: Self.channel, payload: payload)
            } catch {
                logger.warning("cannot share a cooldown with the other replicas", metadata: ["deployment": "\(transition.deploymentID)", "reason": "\(error)"])
            }
        }
    }

    /// The message for a local 429 cooldown; nil for anything else (a peer's cooldown included).
    static func outgoing(_ transition: HealthTransition, from replicaID: String, at now: Date) -> Message? {
        guard transition.reason == .rateLimited, transition.to == .coolingDown, let until = transition.until else { return nil }
        let remaining = Int64((until.timeIntervalSince(now) * 1000).rounded())
        guard remaining > 0 else { return nil }
        return Message(replica: replicaID, deployment: transition.deploymentID, remainingMs: remaining)
    }

    /// Applies a peer's message (its own are ignored; a malformed one is dropped).
    func apply(_ payload: String) {
        guard let message = try? JSONDecoder().decode(Message.self, from: Data(payload.utf8)), message.replica != replicaID,
            message.remainingMs > 0, message.deployment.utf8.count <= 256
        else { return }
        let now = runtime.clock.now()
        let until = now.addingTimeInterval(Double(message.remainingMs) / 1000)
        runtime.publish(runtime.health.peerRateLimited(message.deployment, until: until, at: now))
    }
}
