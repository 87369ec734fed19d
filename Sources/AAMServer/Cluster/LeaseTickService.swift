import ServiceLifecycle

/// Drives the lease books' ticks (budgets, rate limits) every `BudgetLeaseBook.tickInterval`.
struct LeaseTickService: Service {
    let book: BudgetLeaseBook
    let rates: RateLeaseBook?

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await book.tick()
            await rates?.tick()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: BudgetLeaseBook.tickInterval) }
        }
    }
}
