import AAMCore
import Foundation
import Testing

/// Always answers the same unit value, to pin the jitter at its extremes.
private final class ConstantUnit: RandomSource {
    let value: Double
    init(_ value: Double) { self.value = value }
    func nextUnit() -> Double { value }
}

@Suite("RetryBackoff")
struct RoutingRetryBackoffTests {
    let backoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(1), minimumAttemptTime: .milliseconds(100))

    @Test("the jitter ceiling doubles per retry up to the maximum")
    func ceilingGrowth() throws {
        let top = ConstantUnit(1)
        let ceilings = try (1...6).map { attempt in
            try #require(backoff.delay(attempt: attempt, random: top, remainingUntilDeadline: .seconds(60)))
        }
        #expect(ceilings == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.delay(attempt: 1, random: ConstantUnit(0), remainingUntilDeadline: .seconds(60)) == .zero)
        #expect(backoff.delay(attempt: 0, random: top, remainingUntilDeadline: .seconds(60)) == .milliseconds(100))
        #expect(backoff.delay(attempt: 10_000, random: top, remainingUntilDeadline: .seconds(60)) == .seconds(1))
    }

    @Test("full jitter: uniform below the ceiling")
    func fullJitter() throws {
        let random = SeededRandomSource(seed: 77)
        var total = 0.0
        for _ in 0..<5_000 {
            let delay = try #require(backoff.delay(attempt: 3, random: random, remainingUntilDeadline: .seconds(60)))
            #expect(delay >= .zero && delay < .milliseconds(400))
            total += Double(delay.components.attoseconds) * 1e-18 + Double(delay.components.seconds)
        }
        #expect(abs(total / 5_000 - 0.2) < 0.01)  // mean of U(0, 0.4 s)
    }

    @Test("the deadline bounds the delay and leaves room for the attempt; no room, no retry")
    func deadline() {
        let top = ConstantUnit(1)
        #expect(backoff.delay(attempt: 5, random: top, remainingUntilDeadline: .milliseconds(350)) == .milliseconds(250))
        #expect(backoff.delay(attempt: 1, random: top, remainingUntilDeadline: .milliseconds(100)) == nil)
        #expect(backoff.delay(attempt: 1, random: top, remainingUntilDeadline: .zero) == nil)
        #expect(backoff.delay(attempt: 1, random: top, remainingUntilDeadline: .seconds(-3)) == nil)
    }
}
