import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Shares MCP session closes between replicas: a session lives in its sealed id, so any
/// replica would otherwise go on serving an id that the workload closed (`DELETE /mcp/…`) on
/// another one, until it expired.
///
/// Out: each close made here is sent as a NOTIFY on `aam_mcp_closed` with the id's nonce (not
/// the id: the nonce alone opens nothing) and the time it has left. In: a peer's message adds
/// the nonce to this replica's closed list until then. Best effort, like `ClusterHealthRelay`:
/// a replica cut off from Postgres when the close is sent does not hear of it; for a
/// session-style upstream the upstream's own 404 still ends the session there.
struct MCPCloseRelay: Service {
    static let channel = "aam_mcp_closed"

    struct Message: Codable, Sendable {
        var replica: String
        var nonce: String
        var remainingMs: Int64
    }

    let sessions: MCPSessions
    let cluster: any ClusterStore
    let replicaID: String
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        let closes = sessions.closes()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await relayOutgoing(closes) }
                group.addTask { await ClusterChannel.listenUntilCancelled(cluster, channel: Self.channel, what: "MCP close sharing", logger: logger) { apply($0) } }
            }
        }
    }

    private func relayOutgoing(_ closes: AsyncStream<MCPSessions.Closure>) async {
        for await closure in closes {
            let remaining = Int64((closure.expiresAt.timeIntervalSince(clock.now()) * 1000).rounded())
            guard remaining > 0 else { continue }
            do {
                let message = Message(replica: replicaID, nonce: closure.nonce, remainingMs: remaining)
                try await cluster.notify(channel: Self.channel, payload: String(decoding: try JSONEncoder().encode(message), as: UTF8.self))
            } catch {
                logger.warning("cannot tell the other replicas of a closed MCP session", metadata: ["reason": "\(error)"])
            }
        }
    }

    /// Applies a peer's message (its own are ignored; a malformed one is dropped).
    func apply(_ payload: String) {
        guard let message = try? JSONDecoder().decode(Message.self, from: Data(payload.utf8)), message.replica != replicaID,
            message.remainingMs > 0
        else { return }
        sessions.closedElsewhere(nonce: message.nonce, expiresAt: clock.now().addingTimeInterval(Double(message.remainingMs) / 1000))
    }
}
