import Synchronization

/// Holds the current `TrustBundleSet`. Readers (TLS handshakes, JWT checks) take it with a
/// pointer copy; the reloader replaces it whole.
public final class TrustBundleStore: Sendable {
    private let current: Mutex<TrustBundleSet>

    public init(_ bundles: TrustBundleSet = .empty) { self.current = Mutex(bundles) }

    public var bundles: TrustBundleSet { current.withLock { $0 } }

    public func replace(_ bundles: TrustBundleSet) { current.withLock { $0 = bundles } }
}
