import AAMIdentity
import Hummingbird
import HummingbirdCore
import ServiceLifecycle

/// Workload identity wiring: trust bundles loaded before the listeners open, their reloader,
/// and the optional mTLS listener serving the same routes as the plain one.
extension Gateway {
    /// Validates the settings and the mTLS certificate files, sets the JWT-SVID audience and
    /// loads the bundles once. Runs inside `Gateway.build`'s cleanup scope.
    func configureWorkloadTrust() throws {
        let settings = options.workloads
        try settings.validate()
        if let certificate = settings.tlsCertificatePath, let key = settings.tlsKeyPath, settings.mtlsPort != nil {
            do {
                _ = try HTTPServerBuilder.spiffeMTLS(
                    http1: .init(), certificatePath: certificate, keyPath: key, bundles: runtime.workloadTrust.bundles, clock: runtime.clock, logger: runtime.logger)
            } catch {
                throw StartupError("cannot load the mTLS listener's certificate '\(certificate)' or key '\(key)' (PEM): \(error)")
            }
        }
        runtime.workloadTrust.setAudience(settings.jwtAudience)
        if let directory = settings.trustBundleDirectory {
            TrustBundleReloader.loadNow(directory: directory, into: runtime.workloadTrust.bundles, logger: runtime.logger)
        }
    }

    /// The bundle reloader (with `--trust-bundles`) and the mTLS listener (with `--mtls-listen`).
    func makeWorkloadServices(handleSignals: Bool, onMTLSRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> [any Service] {
        let settings = options.workloads
        var services: [any Service] = []
        if let directory = settings.trustBundleDirectory {
            services.append(
                TrustBundleReloader(
                    directory: directory, store: runtime.workloadTrust.bundles, pollSeconds: settings.bundlePollSeconds,
                    handleSignals: handleSignals, logger: runtime.logger))
        }
        if let host = settings.mtlsHost, let port = settings.mtlsPort, let certificate = settings.tlsCertificatePath,
            let key = settings.tlsKeyPath
        {
            let server: HTTPServerBuilder
            do {
                server = try .spiffeMTLS(
                    http1: .init(idleTimeout: .milliseconds(Int64(options.dataPlane.clientIdleTimeoutSeconds * 1000))),
                    certificatePath: certificate, keyPath: key, bundles: runtime.workloadTrust.bundles, clock: runtime.clock, logger: runtime.logger)
            } catch {
                throw StartupError("cannot load the mTLS listener's certificate or key (--tls-cert/--tls-key): \(error)")
            }
            let logger = runtime.logger
            services.append(
                Application(
                    router: makeRouter(), server: server, configuration: .init(address: .hostname(host, port: port), serverName: nil),
                    onServerRunning: { [self] channel in
                        let bound = channel.localAddress?.port ?? 0
                        mtlsPort.withLock { $0 = bound }
                        logger.notice("aamd mTLS listening", metadata: ["address": "\(host):\(bound)"])
                        await onMTLSRunning(bound)
                    },
                    logger: runtime.logger))
        }
        return services
    }
}
