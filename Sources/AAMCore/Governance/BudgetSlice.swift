import Foundation

/// The part of one budget window a replica may spend on its own: granted by the database
/// (`aam_budget_lease`), consumed by the calls this replica settles.
///
/// `capacity` is the replica's lease as the database holds it: room for the spend it settled
/// but has not reported yet plus what its calls in flight reserve plus what it may still
/// admit. `reported` is how much of the window counter's `settled` the database already counts
/// (moved out of the lease into the window's settled total by a renewal).
public struct BudgetSlice: Sendable, Hashable {
    public var capacity: Spend
    public var reported: Spend
    /// What the rest of the cluster held at the last renewal (the window's settled total plus
    /// the other replicas' slices): with the budget's limit now, it caps the slice at once when
    /// the limit is lowered, before any renewal.
    public var elsewhere: Spend

    public init(capacity: Spend = .zero, reported: Spend = .zero, elsewhere: Spend = .zero) {
        self.capacity = capacity
        self.reported = reported
        self.elsewhere = elsewhere
    }

    /// The slice as usable under `budget`'s limits now: never more than the limit leaves after
    /// what the rest of the cluster holds.
    public func usable(under budget: Budget) -> Spend {
        var usable = capacity
        if let limit = budget.usdLimit { usable.usd = min(usable.usd, max(limit.saturatingSubtracting(elsewhere.usd), .zero)) }
        if let limit = budget.tokenLimit { usable.tokens = min(usable.tokens, max(limit.addingSaturating(-elsewhere.tokens), 0)) }
        return usable
    }

    /// What this replica holds against the slice: settled but unreported, plus reserved.
    public func localUse(of counter: BudgetCounter) -> Spend {
        Spend(
            usd: max(counter.committed.usd.saturatingSubtracting(reported.usd), .zero),
            tokens: max(counter.committed.tokens.addingSaturating(-reported.tokens), 0))
    }

    /// Settled spend the database has not been told of yet.
    public func unreported(of counter: BudgetCounter) -> Spend {
        Spend(
            usd: max(counter.settled.usd.saturatingSubtracting(reported.usd), .zero),
            tokens: max(counter.settled.tokens.addingSaturating(-reported.tokens), 0))
    }

    /// Capacity not used by anything this replica holds.
    public func free(of counter: BudgetCounter) -> Spend {
        capacity.subtractingClamped(localUse(of: counter))
    }
}

extension Spend {
    /// Component-wise sum, saturating.
    public func adding(_ other: Spend) -> Spend {
        Spend(usd: usd.saturatingAdding(other.usd), tokens: tokens.addingSaturating(other.tokens))
    }

    /// Component-wise difference, never below zero.
    public func subtractingClamped(_ other: Spend) -> Spend {
        Spend(usd: max(usd.saturatingSubtracting(other.usd), .zero), tokens: max(tokens.addingSaturating(-other.tokens), 0))
    }
}
