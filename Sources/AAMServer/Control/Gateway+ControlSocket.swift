import AAMControlProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Gateway {
    /// The control socket service for `options.controlSocket`, or nil when it is set to "".
    func makeControlSocketService() throws -> ControlSocketService? {
        guard !options.controlSocket.isEmpty else { return nil }
        let startedAt = runtime.clock.now()
        let host = options.host
        let configuredPort = options.port
        return try ControlSocketService(
            path: options.controlSocket, group: options.controlGroup, runtime: runtime, settings: options.controlSocketSettings
        ) { [weak self] in
            DaemonInfo(
                version: ControlSocketService.daemonVersion, pid: getpid(), listen: "\(host):\(self?.port ?? configuredPort)", startedAt: startedAt)
        }
    }
}
