import AAMCore
import Hummingbird
import Logging

/// Per-request context: the request id every response and record carries, and on the mTLS
/// listener the client's verified X.509-SVID identity.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    /// The SPIFFE ID the connection's client certificate proved (mTLS listener only; nil on
    /// the plain listener). Verified, not yet looked up in the workload registry.
    public let peerSPIFFEID: SPIFFEID?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = Identifiers.requestID()
        self.peerSPIFFEID = MTLSPeers.shared.id(for: source.channel)
    }
}
