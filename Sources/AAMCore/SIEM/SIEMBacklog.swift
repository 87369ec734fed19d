import Foundation

/// A sink's delivery counters and backlog, as `/metrics` and `GET /admin/siem` show them.
public struct SIEMSinkStats: Sendable, Hashable, Codable {
    public var name: String
    /// Events waiting (delivery in progress included).
    public var backlog: Int
    public var capacity: Int
    /// Age of the oldest waiting event in seconds, 0 when nothing waits.
    public var lagSeconds: Double
    public var delivered: Int
    /// Failed delivery attempts (each is retried).
    public var failures: Int
    /// Events given up: arrived while the backlog was full, or rejected as malformed by the collector.
    public var dropped: Int
    /// The last failure's reason (never a token or event content), nil after a success.
    public var lastError: String?

    public init(
        name: String, backlog: Int, capacity: Int, lagSeconds: Double, delivered: Int, failures: Int, dropped: Int, lastError: String? = nil
    ) {
        self.name = name
        self.backlog = backlog
        self.capacity = capacity
        self.lagSeconds = lagSeconds
        self.delivered = delivered
        self.failures = failures
        self.dropped = dropped
        self.lastError = lastError
    }
}

/// A sink's bounded, in-order queue of events awaiting acknowledgement (at-least-once).
///
/// Events leave the queue only when the sink confirmed them (`acknowledge`) or the collector
/// refused them as malformed (`reject`); a failed attempt leaves them at the head to be sent
/// again. When full, the *oldest are kept* and a newly arriving event is dropped and counted:
/// the export then has a gap at its end rather than a hole in the middle. Pure, no clock of
/// its own: every time comes in as an argument.
public struct SIEMBacklog<Element: Sendable>: Sendable {
    private var items: [(element: Element, enqueuedAt: Date)] = []
    private var head = 0
    public let capacity: Int
    public private(set) var delivered = 0
    public private(set) var failures = 0
    public private(set) var dropped = 0
    public private(set) var lastError: String?

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { items.count - head }
    public var isEmpty: Bool { count == 0 }

    /// Queues `element`; false (and counted as dropped) when the backlog is full.
    @discardableResult
    public mutating func append(_ element: Element, at now: Date) -> Bool {
        guard count < capacity else {
            dropped += 1
            return false
        }
        items.append((element, now))
        return true
    }

    /// Up to `limit` events from the head, oldest first, without removing them.
    public func peek(_ limit: Int) -> [Element] {
        items[head..<min(items.count, head + max(0, limit))].map(\.element)
    }

    /// The sink confirmed the first `count` events.
    public mutating func acknowledge(_ count: Int) {
        let removed = removeFirst(count)
        delivered += removed
        lastError = nil
    }

    /// The collector refused the first `count` events for good (malformed): they are dropped.
    public mutating func reject(_ count: Int, reason: String) {
        dropped += removeFirst(count)
        lastError = reason
    }

    /// A delivery attempt failed; the events stay at the head.
    public mutating func recordFailure(_ reason: String) {
        failures += 1
        lastError = reason
    }

    /// Age of the oldest waiting event at `now`, 0 when empty.
    public func lag(at now: Date) -> Double {
        guard head < items.count else { return 0 }
        return max(0, now.timeIntervalSince(items[head].enqueuedAt))
    }

    public func stats(name: String, at now: Date) -> SIEMSinkStats {
        SIEMSinkStats(
            name: name, backlog: count, capacity: capacity, lagSeconds: lag(at: now), delivered: delivered, failures: failures,
            dropped: dropped, lastError: lastError)
    }

    private mutating func removeFirst(_ requested: Int) -> Int {
        let removed = min(max(0, requested), count)
        head += removed
        // Compact once the consumed prefix dominates, so memory stays proportional to the backlog.
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return removed
    }
}

/// Delays between delivery retries of a sink: exponential from `initial` to `maximum`, with
/// "equal jitter" (half fixed, half random) so many gateways recovering together do not retry
/// in step, yet a retry never comes immediately.
public struct SIEMBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = max(.milliseconds(1), initial)
        self.maximum = max(self.initial, maximum)
    }

    /// The wait after the `failures`-th consecutive failure (1-based).
    public func delay(afterFailures failures: Int, random: any RandomSource) -> Duration {
        let exponent = Double(min(40, max(0, failures - 1)))
        let ceiling = min(Self.seconds(maximum), Self.seconds(initial) * pow(2, exponent))
        return .seconds(ceiling / 2 + random.nextUnit() * ceiling / 2)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
