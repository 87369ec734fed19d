import Foundation

/// Why a control-socket conversation failed, worded for the operator.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at the socket path: the daemon is not running, or `--control-socket` differs.
    case noSocket(path: String)
    /// The file exists but nobody accepts on it (a stale socket left by a dead daemon).
    case daemonNotListening(path: String)
    /// The file system or the daemon's peer-credential check refused this user.
    case permissionDenied(path: String, reason: String)
    case connectFailed(path: String, reason: String)
    /// The process serving the socket runs as another user than this one or root.
    case untrustedServer(path: String, uid: UInt32)
    /// The two sides speak different protocol versions.
    case versionMismatch(String)
    /// The connection closed under us (daemon stopped or crashed).
    case daemonWentAway
    /// `close()` was called.
    case closed
    /// No answer within the deadline.
    case timeout(seconds: Double)
    /// The daemon answered with an `error` message.
    case remote(ControlError)
    /// The daemon sent something this client cannot read.
    case badReply(String)

    public var description: String {
        switch self {
        case .noSocket(let path): "no control socket at \(path): is aamd running (and is --control-socket the same)?"
        case .daemonNotListening(let path): "nothing listens on \(path): the daemon is not running (stale socket file)"
        case .permissionDenied(let path, let reason): "permission denied on \(path): \(reason)"
        case .connectFailed(let path, let reason): "cannot connect to \(path): \(reason)"
        case .untrustedServer(let path, let uid):
            "refusing the control socket \(path): it is served by uid \(uid), neither this user (uid \(getuid())) nor root; "
                + "another user may have planted it (check the path and its directory)"
        case .versionMismatch(let reason): reason
        case .daemonWentAway: "the daemon closed the control connection"
        case .closed: "the control connection was closed"
        case .timeout(let seconds): "the daemon did not answer within \(seconds) s"
        case .remote(let error): "\(error.code): \(error.message)"
        case .badReply(let reason): "unreadable message from the daemon: \(reason)"
        }
    }
}
