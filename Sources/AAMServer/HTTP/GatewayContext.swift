import AAMCore
import Hummingbird
import Logging

/// Per-request context: the request id every response and record carries.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = Identifiers.requestID()
    }
}
