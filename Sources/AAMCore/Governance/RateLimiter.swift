import Foundation

/// Requests-per-minute and tokens-per-minute limits by the generic cell rate algorithm (GCRA).
///
/// Why GCRA: it is a leaky bucket of capacity `limit` that drains continuously at
/// `limit / 60 s`. Unlike fixed windows it allows no double burst at a window boundary (2×limit
/// within a second around :00), unlike sliding logs it needs O(1) state per key (one level and
/// one timestamp), and it answers exactly when the next unit fits (`retryAfter`).
///
/// Semantics per key and limit L per minute:
/// - a fresh (or idle ≥ 60 s) key admits a burst of L units at once; afterwards one unit every
///   60/L seconds (steady state);
/// - `cost` is 1 for RPM and the estimated tokens for TPM; a request whose cost exceeds L can
///   never pass (`.tooLarge`);
/// - `adjust` corrects a TPM charge once the real token count is known (positive: the extra is
///   owed and delays later requests; negative: the unused estimate is returned);
/// - arithmetic is exact integers in microseconds (no drift: a burst admits exactly L).
///
/// Plain value, clock injected through every `at:`; `admit` checks several limits (a scope
/// chain's RPM and TPM, the deployment's) all-or-nothing. Share it through `GovernanceState`.
public struct RateLimiter: Sendable {
    /// Limits above this (per minute) are clamped to it; keeps `limit × 60 s` in an `Int64`.
    public static let maximumLimit: Int64 = 100_000_000_000

    static let windowMicros: Int64 = 60_000_000

    /// Leaky-bucket form of the GCRA state: `level` in cost·µs (cost × 60 s worth of drain);
    /// equivalent to the theoretical arrival time `TAT = updatedAt + level / L`.
    struct Cell: Sendable, Hashable {
        var level: Int64
        var updatedAt: Int64
    }

    private var cells: [RateLimitKey: Cell] = [:]
    /// Leased mode (several replicas on one database): for every key, the units this replica
    /// was granted from the cluster's bucket in Postgres and has not used yet (may go below
    /// zero when a TPM settle owes more than was estimated: the next grant pays it first),
    /// and what the cluster's bucket had left at the last renewal. Scope and deployment keys
    /// alike: a deployment's `rpm`/`tpm` is the vendor's limit, shared by every replica.
    private var allowances: [RateLimitKey: Int64]?
    private var clusterRemaining: [RateLimitKey: Int64] = [:]
    /// Leased keys whose renewals are failing (the database is unreachable): limited here, on
    /// the local bucket, at `limit / share` (share: the live replicas), until a renewal works
    /// again. A cut-off replica keeps serving instead of refusing everything at once; the
    /// cluster may then pass a limit by what the replicas' shares get wrong.
    private var degradedShares: [RateLimitKey: Int64] = [:]

    public init() {}

    public mutating func enableLeases() {
        if allowances == nil { allowances = [:] }
    }

    /// Whether `key` is leased from the cluster (every key in leased mode, unless degraded).
    public func isLeased(_ key: RateLimitKey) -> Bool {
        allowances != nil && degradedShares[key] == nil
    }

    /// Limits `key` locally at `limit / share` while its renewals fail (`share` ≥ 1), or, with
    /// nil, leases it from the cluster again.
    public mutating func degrade(_ key: RateLimitKey, share: Int64?) {
        guard allowances != nil else { return }
        degradedShares[key] = share.map { max($0, 1) }
    }

    /// The limit the local bucket of `key` drains at: `limit`, or this replica's share of it
    /// while the key is degraded.
    private func localLimit(_ key: RateLimitKey, _ limit: Int64) -> Int64 {
        degradedShares[key].map { max(limit / $0, 1) } ?? limit
    }

    /// Whether `key` is limited locally because its renewals fail.
    public func isDegraded(_ key: RateLimitKey) -> Bool { degradedShares[key] != nil }

    /// This replica's unused units of `key` (0 when none).
    public func allowance(_ key: RateLimitKey) -> Int64 { allowances?[key] ?? 0 }

    /// A renewal answered: `granted` units join the allowance (a negative value takes units
    /// back: a release), and the cluster's bucket had `remaining` left.
    public mutating func applyGrant(_ key: RateLimitKey, granted: Int64, remaining: Int64) {
        guard allowances != nil else { return }
        let current = allowance(key)
        allowances?[key] = current.addingSaturating(granted)
        clusterRemaining[key] = max(remaining, 0)
    }

    /// Checks one limit and, if allowed, charges `cost` to it.
    public mutating func check(_ key: RateLimitKey, cost: Int64, limitPerMinute: Int64, at now: Date) -> RateLimitDecision {
        admit([RateCharge(key: key, cost: cost, limitPerMinute: limitPerMinute)], at: now)
    }

    /// Checks every charge and commits all of them only when all are allowed.
    ///
    /// The answer when all pass is `.allowed` with the status of each charge (in order); when
    /// one cannot pass, the one with the latest retry (or the first `.tooLarge`) and nothing is
    /// charged. Charges on the same key are applied in sequence.
    public mutating func admit(_ charges: [RateCharge], at now: Date) -> RateLimitDecision {
        let micros = Self.micros(now)
        var pending: [RateLimitKey: Cell] = [:]
        var statuses: [RateLimitStatus] = []
        var worst: RateLimitDecision?
        var spent: [RateLimitKey: Int64] = [:]
        for charge in charges {
            let limit = Self.clamp(charge.limitPerMinute)
            let cost = max(charge.cost, 0)
            if isLeased(charge.key) {
                guard cost <= limit, limit > 0 else {
                    if case .tooLarge = worst {} else { worst = .tooLarge(key: charge.key, limit: limit) }
                    continue
                }
                let left = allowance(charge.key) - (spent[charge.key] ?? 0)
                guard left >= cost else {
                    if worst == nil { worst = .leaseShort(charge) }
                    continue
                }
                spent[charge.key, default: 0] += cost
                statuses.append(RateLimitStatus(
                    key: charge.key, limit: limit, remaining: max((clusterRemaining[charge.key] ?? 0) + left - cost, 0),
                    resetAfter: Self.seconds(Self.ceilDiv(max(limit - (clusterRemaining[charge.key] ?? 0), 0) * Self.windowMicros, limit))))
                continue
            }
            guard cost <= limit, limit > 0 else {
                if case .tooLarge = worst {} else { worst = .tooLarge(key: charge.key, limit: limit) }
                continue
            }
            // Degraded: this replica's share of the limit (one call of any allowed size fits an empty bucket).
            let local = localLimit(charge.key, limit)
            let capacity = max(local, cost) * Self.windowMicros
            let level = Self.drained(pending[charge.key] ?? cells[charge.key], limit: local, at: micros)
            let next = level.addingSaturating(cost * Self.windowMicros)
            if next > capacity {
                let wait = Self.ceilDiv(next - capacity, local)
                let status = RateLimitStatus(
                    key: charge.key, limit: limit, remaining: max(capacity - level, 0) / Self.windowMicros,
                    resetAfter: Self.seconds(Self.ceilDiv(level, local)))
                let decision = RateLimitDecision.limited(status, retryAfter: Self.seconds(wait))
                switch worst {
                case .tooLarge: break
                case .limited(_, let retry) where retry >= Self.seconds(wait): break
                default: worst = decision
                }
                continue
            }
            pending[charge.key] = Cell(level: next, updatedAt: micros)
            statuses.append(RateLimitStatus(
                key: charge.key, limit: limit, remaining: (capacity - next) / Self.windowMicros,
                resetAfter: Self.seconds(Self.ceilDiv(next, local))))
        }
        if let worst { return worst }
        cells.merge(pending) { _, new in new }
        for (key, cost) in spent {
            let current = allowance(key)
            allowances?[key] = current - cost
        }
        return .allowed(statuses)
    }

    /// Adds `delta` (may be negative) to a key's charge without checking the limit: the TPM
    /// settle step, `delta = actual tokens − estimated tokens`. The level never goes below zero.
    public mutating func adjust(_ key: RateLimitKey, by delta: Int64, limitPerMinute: Int64, at now: Date) {
        if isLeased(key) {
            // Unused estimate comes back to the allowance; extra tokens are owed from it.
            let current = allowance(key)
            allowances?[key] = current.addingSaturating(-delta)
            return
        }
        let full = Self.clamp(limitPerMinute)
        guard full > 0 else { return }
        let limit = localLimit(key, full)
        let micros = Self.micros(now)
        let level = Self.drained(cells[key], limit: limit, at: micros)
        let (scaled, overflow) = delta.multipliedReportingOverflow(by: Self.windowMicros)
        let change = overflow ? (delta > 0 ? Int64.max : Int64.min) : scaled
        cells[key] = Cell(level: max(level.addingSaturating(change), 0), updatedAt: micros)
    }

    /// The current status of a key without charging it (for response headers).
    public func status(_ key: RateLimitKey, limitPerMinute: Int64, at now: Date) -> RateLimitStatus {
        let limit = Self.clamp(limitPerMinute)
        let level = limit > 0 ? Self.drained(cells[key], limit: limit, at: Self.micros(now)) : 0
        let capacity = limit * Self.windowMicros
        return RateLimitStatus(
            key: key, limit: limit, remaining: max(capacity - level, 0) / Self.windowMicros,
            resetAfter: limit > 0 ? Self.seconds(Self.ceilDiv(level, limit)) : 0)
    }

    /// Drops keys that have fully drained by `now`, bounding memory (a drained key behaves
    /// exactly like a fresh one). `limitPerMinute` gives each key's current limit; keys it
    /// answers nil for (limit removed from config) are dropped.
    public mutating func prune(at now: Date, limitPerMinute: (RateLimitKey) -> Int64?) {
        let micros = Self.micros(now)
        cells = cells.filter { key, cell in
            guard let limit = limitPerMinute(key), limit > 0 else { return false }
            return Self.drained(cell, limit: Self.clamp(limit), at: micros) > 0
        }
    }

    /// Number of keys with state.
    public var keyCount: Int { cells.count }

    // MARK: Arithmetic

    static func drained(_ cell: Cell?, limit: Int64, at micros: Int64) -> Int64 {
        guard let cell else { return 0 }
        let elapsed = micros - cell.updatedAt
        guard elapsed > 0 else { return cell.level }
        let (drain, overflow) = elapsed.multipliedReportingOverflow(by: limit)
        if overflow || drain >= cell.level { return 0 }
        return cell.level - drain
    }

    static func clamp(_ limit: Int64) -> Int64 { min(max(limit, 0), maximumLimit) }

    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value <= 0 ? 0 : (value - 1) / divisor + 1
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) }

    static func seconds(_ micros: Int64) -> TimeInterval { TimeInterval(micros) / 1_000_000 }
}
