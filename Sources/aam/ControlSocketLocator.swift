import Foundation

/// Which control socket `aam status` and `aam console` use when `--socket` is not given: the
/// one `AAM_CONTROL_SOCKET` names, else the first that exists of the daemon's two defaults,
/// `./aam-data/control.sock` (development) and `/run/aam/control.sock` (the systemd unit's
/// `RuntimeDirectory=aam`; see `ServiceDirectories` for the daemon's side).
enum ControlSocketLocator {
    static let development = "./aam-data/control.sock"
    static let service = "/run/aam/control.sock"

    /// Where to look, in order.
    static func candidates(environment: [String: String]) -> [String] {
        if let named = environment["AAM_CONTROL_SOCKET"], !named.isEmpty { return [named] }
        return [development, service]
    }

    /// The socket to use: `explicit`, `AAM_CONTROL_SOCKET`, or the first default that exists
    /// (nil when none does).
    static func locate(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String? {
        if let explicit { return explicit }
        let candidates = candidates(environment: environment)
        if candidates.count == 1 { return candidates[0] }
        return candidates.first(where: exists)
    }
}
