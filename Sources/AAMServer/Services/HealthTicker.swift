import AAMCore
import ServiceLifecycle

/// Publishes health transitions caused by time alone (a cooldown or backoff ending) about once
/// a second, so the console and SIEM see them on time rather than at the next request.
struct HealthTicker: Service {
    let runtime: GatewayRuntime

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            for transition in runtime.health.advance(at: runtime.clock.now()) {
                runtime.bus.publish(.health(transition))
            }
        }
    }
}
