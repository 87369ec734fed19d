import Synchronization

/// Holds the current `TrustBundleSet`. Readers (TLS handshakes, JWT checks) take it with a
/// pointer copy; the reloader replaces it whole.
///
/// Each replacement starts a new generation, so a verdict reached under one generation (an
/// mTLS connection's X.509-SVID) can be cached and is known stale after any reload.
public final class TrustBundleStore: Sendable {
    /// A bundle set and the generation it belongs to, read together.
    public struct Snapshot: Sendable {
        public let bundles: TrustBundleSet
        public let generation: UInt64
    }

    private let current: Mutex<Snapshot>

    public init(_ bundles: TrustBundleSet = .empty) { self.current = Mutex(Snapshot(bundles: bundles, generation: 0)) }

    public var bundles: TrustBundleSet { current.withLock { $0.bundles } }

    public var snapshot: Snapshot { current.withLock { $0 } }

    public var generation: UInt64 { current.withLock { $0.generation } }

    public func replace(_ bundles: TrustBundleSet) {
        // Wrapping after 2^64 reloads is harmless (a stale verdict would need that many reloads
        // in one connection's life); &+ keeps it from trapping.
        current.withLock { $0 = Snapshot(bundles: bundles, generation: $0.generation &+ 1) }
    }
}
