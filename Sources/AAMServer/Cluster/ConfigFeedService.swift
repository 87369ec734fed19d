import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps this replica's configuration current with the others' (`ConfigRegistry+Feed`):
/// LISTEN on `aam_config` for changes within milliseconds; a poll every `pollInterval` as the
/// net under a lost notification or a broken listening connection (so a change is live
/// everywhere within about a second even then); a full reconcile every `reconcileInterval`.
/// While the database is unreachable the replica serves from its last snapshot, the staleness
/// grows (`ConfigFeedStatus`), and the backlog is applied as soon as a sync succeeds.
struct ConfigFeedService: Service {
    static let channel = "aam_config"
    let registry: ConfigRegistry
    let cluster: any ClusterStore
    let clock: any WallClock
    let logger: Logger
    var pollInterval: Duration = .milliseconds(500)
    var reconcileInterval: Duration = .seconds(30)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await listenUntilCancelled() }
                group.addTask { await pollUntilCancelled() }
            }
        }
    }

    private func listenUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await cluster.listen(channel: Self.channel) {
                    // Anything committed before the LISTEN took effect: fetch it now.
                    await sync()
                } onNotification: { payload in
                    if let version = Int64(payload) { registry.feedStatus.announced(version, at: clock.now()) }
                    await sync()
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("configuration feed: listening failed; polling meanwhile", metadata: ["reason": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func pollUntilCancelled() async {
        var sinceReconcile = Duration.zero
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            if Task.isCancelled { return }
            sinceReconcile += pollInterval
            if sinceReconcile >= reconcileInterval {
                sinceReconcile = .zero
                do { try await registry.reconcileWithStore() } catch {
                    logger.warning("configuration reconcile failed; serving the last snapshot", metadata: ["reason": "\(error)"])
                }
            } else {
                await sync()
            }
        }
    }

    private func sync() async {
        do { try await registry.syncFromFeed() } catch {
            // Logged by the staleness it causes (readyz, metrics); once per failure streak here.
            if registry.feedStatus.reading.lastError == nil { logger.warning("configuration feed unreachable", metadata: ["reason": "\(error)"]) }
        }
    }
}
