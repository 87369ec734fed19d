import Foundation

/// A gateway event as the SIEM outbox keeps it: the event itself and the facts its
/// normalization reads besides it (when it was observed, the providers of deployments for
/// health events), so that normalizing it after a restart gives the same `SIEMEvent` as
/// normalizing it live.
public struct SIEMSourceEvent: Sendable, Hashable, Codable {
    public var event: GatewayEvent
    public var observedAt: Date
    /// Deployment id -> provider, for health events only.
    public var deploymentProviders: [String: String]?

    public init(event: GatewayEvent, observedAt: Date, deploymentProviders: [String: String]? = nil) {
        self.event = event
        self.observedAt = observedAt
        self.deploymentProviders = deploymentProviders
    }

    /// The exported event (nil for events the SIEM mapping does not export).
    public func normalized(productVersion: String = "1.0") -> SIEMEvent? {
        var normalizer = SIEMNormalizer(productVersion: productVersion)
        if let deploymentProviders { normalizer.deploymentProviders = deploymentProviders }
        return normalizer.normalize(event, observedAt: observedAt)
    }
}
