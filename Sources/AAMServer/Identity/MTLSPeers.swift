import AAMCore
import NIOCore
import Synchronization

/// The verified SPIFFE ID of each open mTLS connection, set by the TLS verification callback
/// and read when a request's context is made (`GatewayContext.peerSPIFFEID`). An entry lives
/// exactly as long as its channel: it is removed when the channel closes, before the channel
/// object can be freed and its identifier reused.
public final class MTLSPeers: Sendable {
    /// Process-wide, because Hummingbird builds a request context from its channel alone.
    public static let shared = MTLSPeers()
    private let peers = Mutex<[ObjectIdentifier: SPIFFEID]>([:])

    func set(_ id: SPIFFEID, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        peers.withLock { $0[key] = id }
        channel.closeFuture.whenComplete { [self] _ in _ = peers.withLock { $0.removeValue(forKey: key) } }
    }

    /// The peer's verified identity, nil for a plain connection.
    public func id(for channel: any Channel) -> SPIFFEID? {
        let key = ObjectIdentifier(channel)
        return peers.withLock { $0.isEmpty ? nil : $0[key] }
    }
}
