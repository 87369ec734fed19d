import AAMCore
import Foundation

/// How the registry judges a heartbeat: a replica is live while its last heartbeat is younger
/// than this (heartbeats come every `ReplicaHeartbeatService.interval`).
public enum ReplicaLiveness {
    public static let liveWithinSeconds: Double = 10

    /// Whether a heartbeat this old (by the database's clock) shows a live replica.
    public static func isLive(heartbeatAgeSeconds age: Double) -> Bool { age < liveWithinSeconds }
}

/// Who this replica is in the cluster: `--replica-id` (default `hostname:port`, or
/// `hostname:pid-N` when the port is chosen by the system), plus a random id of this process
/// so that a second process claiming a live replica's id is told apart and refused.
public struct ReplicaIdentity: Sendable, Hashable {
    public var id: String
    public let instance: String
    public let startedAt: Date
    public var listen: String

    public static let softwareVersion = "aamd \(BuildIdentity.releaseVersion)"
    /// Longest accepted `--replica-id` (it lands in logs, metrics and the registry).
    public static let maxIdLength = 128

    public init(id: String?, host: String, port: Int, startedAt: Date = Date()) {
        let hostname = ProcessInfo.processInfo.hostName
        self.id = id ?? (port == 0 ? "\(hostname):pid-\(getpid())" : "\(hostname):\(port)")
        self.instance = UUID().uuidString.lowercased()
        self.startedAt = startedAt
        self.listen = "\(host):\(port)"
    }

    /// Whether `heartbeat` is this process's own row (the id alone could be a predecessor's).
    public func wrote(_ heartbeat: ReplicaHeartbeat) -> Bool {
        heartbeat.id == id && heartbeat.instance == instance
    }

    /// Checks an operator-given id: printable ASCII without spaces, 1…128 bytes.
    public static func validate(_ id: String) throws(StartupError) {
        guard !id.isEmpty, id.utf8.count <= maxIdLength, id.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StartupError("--replica-id must be 1 to \(maxIdLength) printable ASCII characters without spaces, got '\(id.prefix(40))'")
        }
    }
}
