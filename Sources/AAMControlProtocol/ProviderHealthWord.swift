/// The one vocabulary for a deployment's health, shared by the console and `aam status`:
/// the breaker's state names (`closed`, `half_open`, `open`) are how the daemon reasons, not
/// how an operator reads (a "closed" breaker is a healthy deployment).
public enum ProviderHealthWord: String, Sendable, CaseIterable {
    case healthy, probing, cooldown, failing, drained

    /// Drained wins over health: no traffic goes there anyway.
    public init(_ row: ProviderRow) {
        if row.deploymentDrained || row.providerDrained {
            self = .drained
            return
        }
        switch row.state {
        case "closed": self = .healthy
        case "half_open": self = .probing
        case "open": self = row.cooldownRemainingSeconds > 0 ? .cooldown : .failing
        default: self = .failing
        }
    }
}
