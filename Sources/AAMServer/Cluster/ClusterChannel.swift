import AAMCore
import Logging

/// A best-effort `LISTEN` that survives the database going away: listens on `channel` until
/// the task is cancelled, and after a failure logs it (`what` names the feature) and listens
/// again a second later. Shared by the relays that carry cluster-wide news
/// (`ClusterHealthRelay`, `MCPCloseRelay`).
enum ClusterChannel {
    static func listenUntilCancelled(
        _ cluster: any ClusterStore, channel: String, what: String, logger: Logger, onNotification: @escaping @Sendable (String) -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await cluster.listen(channel: channel) {} onNotification: { payload in onNotification(payload) }
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(what): listening failed; retrying", metadata: ["reason": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
