import Hummingbird
import Synchronization

/// A listener's address, `HOST:PORT` (port 0: any free port).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:9090`, `[::1]:9090`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `--admin-listen`: `HOST:PORT`, or a bare `PORT` meaning `127.0.0.1:PORT`. The admin API
    /// manages credentials and keys, so naming only a port keeps it off the network; exposing
    /// it takes an explicit host.
    public static func parseAdminListen(_ value: String) throws(StartupError) -> ListenAddress {
        if let port = Int(value) {
            guard (0...65_535).contains(port) else { throw StartupError("--admin-listen: port \(port) is out of range") }
            return ListenAddress(host: "127.0.0.1", port: port)
        }
        do {
            let (host, port) = try DaemonOptions.parseListen(value)
            return ListenAddress(host: host, port: port)
        } catch {
            throw StartupError("--admin-listen must be HOST:PORT or PORT (e.g. 127.0.0.1:9090), got '\(value)'")
        }
    }
}

extension Gateway {
    /// The port the admin listener bound, once running (nil without `--admin-listen`).
    public var adminPort: Int? { adminBoundPort.withLock { $0 } }

    /// The routes of the data listener (and the mTLS listener): everything, or only the data
    /// plane when the admin API has its own listener.
    var dataSurface: RouteSurface { options.adminListen == nil ? .all : .dataPlane }

    /// The admin API and `/metrics` on `--admin-listen`, if set.
    func makeAdminApplication(startup: ListenerStartup) -> Application<RouterResponder<GatewayContext>>? {
        guard let address = options.adminListen else { return nil }
        let logger = runtime.logger
        return Application(
            router: makeRouter(surface: .admin),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(options.dataPlane.clientIdleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? 0
                adminBoundPort.withLock { $0 = port }
                logger.notice("aamd admin API listening", metadata: ["address": "\(ListenAddress(host: address.host, port: port))"])
                await startup.bound(.admin, port: port)
            },
            logger: logger)
    }
}

/// Calls `onRunning` (with the data port) once every HTTP listener of the gateway is bound,
/// so whoever waits for it (`aamd`'s "listening" line, tests) can use all of them.
final class ListenerStartup: Sendable {
    private struct State {
        var dataPort: Int?
        var adminBound: Bool
        var reported = false
    }

    private let state: Mutex<State>
    private let onRunning: @Sendable (Int) async -> Void

    init(expectsAdmin: Bool, onRunning: @escaping @Sendable (Int) async -> Void) {
        state = Mutex(State(adminBound: !expectsAdmin))
        self.onRunning = onRunning
    }

    func bound(_ surface: RouteSurface, port: Int) async {
        let report: Int? = state.withLock { state in
            if surface == .admin { state.adminBound = true } else { state.dataPort = port }
            guard let data = state.dataPort, state.adminBound, !state.reported else { return nil }
            state.reported = true
            return data
        }
        if let report { await onRunning(report) }
    }
}
