import AAMIdentity
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Keeps `WorkloadTrust.bundles` in step with `--trust-bundles DIR`: reloads when the
/// directory's fingerprint (names, sizes, mtimes) changes, polled every few seconds, and on
/// SIGHUP. A bad file keeps its trust domain's previous bundle and logs why; an unchanged file
/// keeps its bundle value, so its JWT keys stay prepared (`JWTKeyCache`).
struct TrustBundleReloader: Service {
    let directory: String
    let store: TrustBundleStore
    let pollSeconds: Double
    let handleSignals: Bool
    let logger: Logger

    /// Serializes loads: the poller and SIGHUP may fire together, and without this an older
    /// read of the directory could replace a newer one. Held only around synchronous work.
    private static let loading = Mutex(())

    /// Loads once (at start, before the listeners accept anything) and logs the outcome.
    static func loadNow(directory: String, into store: TrustBundleStore, logger: Logger) {
        loading.withLock { _ in
            let result = TrustBundleDirectory.load(directory, previous: store.bundles)
            for error in result.errors { logger.error("\(error.description); keeping its previous bundle") }
            store.replace(result.bundles)
            logger.info(
                "trust bundles loaded",
                metadata: ["directory": .string(directory), "trustDomains": .string(result.bundles.bundles.keys.sorted().joined(separator: ","))])
        }
    }

    func run() async throws {
        let (directory, store, logger, pollSeconds, handleSignals) = (directory, store, logger, pollSeconds, handleSignals)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if handleSignals {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            Self.loadNow(directory: directory, into: store, logger: logger)
                        }
                    }
                }
                group.addTask {
                    var fingerprint = TrustBundleDirectory.fingerprint(directory)
                    while true {
                        do { try await Task.sleep(for: .milliseconds(Int(pollSeconds * 1000))) } catch { return }
                        let current = TrustBundleDirectory.fingerprint(directory)
                        guard current != fingerprint else { continue }
                        fingerprint = current
                        Self.loadNow(directory: directory, into: store, logger: logger)
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
