import AAMCore
import NIOCore
import Synchronization

/// The verified client of each open mTLS connection (`MTLSPeer`), set by the TLS verification
/// callback and read when a request's context is made (`GatewayContext.mtlsPeer`). An entry lives
/// exactly as long as its channel: it is removed when the channel closes, before the channel
/// object can be freed and its identifier reused.
public final class MTLSPeers: Sendable {
    /// Process-wide, because Hummingbird builds a request context from its channel alone.
    public static let shared = MTLSPeers()
    private let peers = Mutex<[ObjectIdentifier: MTLSPeer]>([:])

    func set(_ peer: MTLSPeer, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        peers.withLock { $0[key] = peer }
        channel.closeFuture.whenComplete { [self] _ in _ = peers.withLock { $0.removeValue(forKey: key) } }
    }

    /// The connection's verified client, nil for a plain connection.
    public func peer(for channel: any Channel) -> MTLSPeer? {
        let key = ObjectIdentifier(channel)
        return peers.withLock { $0.isEmpty ? nil : $0[key] }
    }
}
