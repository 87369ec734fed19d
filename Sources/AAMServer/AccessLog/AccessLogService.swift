import AAMCore
import ServiceLifecycle

/// Writes one access-log line per finished call (`--access-log`), from the event bus: off the
/// request path (a call never waits for its line), with a bounded buffer (lines a slow reader
/// cannot take are counted in `aam_events_dropped_total{subscriber="access_log"}`), drained at
/// a graceful stop so the last calls' lines are written.
final class AccessLogService: Service, Sendable {
    let json: Bool
    let writer: AccessLogWriter
    private let subscription: EventBus.Subscription

    init(bus: EventBus, json: Bool, writer: AccessLogWriter) {
        self.json = json
        self.writer = writer
        self.subscription = bus.subscribe(bufferSize: 1 << 16)
    }

    /// Lines lost: bus events this subscriber fell behind on, plus lines the writer refused.
    var droppedEvents: Int { subscription.dropped + writer.dropped }

    func run() async throws {
        let events = subscription.events
        await withGracefulShutdownHandler {
            for await event in events {
                guard case .call(let record) = event else { continue }
                writer.append(json ? AccessLogLine.json(record) : AccessLogLine.text(record))
            }
        } onGracefulShutdown: { [subscription] in
            subscription.cancel()
        }
        await writer.drain()
    }
}
