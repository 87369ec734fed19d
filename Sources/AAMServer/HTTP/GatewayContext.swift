import AAMCore
import Hummingbird
import Logging

/// Per-request context: the request id every response and record carries, and on the mTLS
/// listener the client's verified X.509-SVID identity.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    /// The client the connection's certificate proved (mTLS listener only; nil on the plain
    /// listener). Verified at the handshake; `WorkloadTrust.current` re-checks it per request.
    public let mtlsPeer: MTLSPeer?

    /// The SPIFFE ID the handshake verified (not re-checked: authenticate through `mtlsPeer`).
    public var peerSPIFFEID: SPIFFEID? { mtlsPeer?.id }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = Identifiers.requestID()
        self.mtlsPeer = MTLSPeers.shared.peer(for: source.channel)
    }
}
