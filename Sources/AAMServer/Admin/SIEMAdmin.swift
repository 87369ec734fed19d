import AAMCore
import Hummingbird

/// `GET /admin/siem`: each sink's target, backlog, lag, delivered, failures, dropped and last
/// error, and whether the HEC token is set (never the token).
enum SIEMAdmin {
    struct View: Encodable, Sendable {
        struct Sink: Encodable, Sendable {
            var name: String
            var target: String
            var backlog: Int
            var capacity: Int
            var lagSeconds: Double
            var delivered: Int
            var failures: Int
            var dropped: Int
            var lastError: String?
        }
        var enabled: Bool
        var hecTokenSet: Bool
        var eventsDropped: Int
        var sinks: [Sink]
    }

    static func register(on router: Router<GatewayContext>, routes: AdminRoutes, exporter: SIEMExporter, settings: SIEMSettings) {
        router.get("admin/siem") { request, context in await routes.guarded(request, context) { _ in
            let targets = exporter.targets
            let sinks = exporter.sinkStats.map { stats in
                View.Sink(
                    name: stats.name, target: targets[stats.name] ?? "", backlog: stats.backlog, capacity: stats.capacity,
                    lagSeconds: stats.lagSeconds, delivered: stats.delivered, failures: stats.failures, dropped: stats.dropped,
                    lastError: stats.lastError)
            }
            return Responses.json(View(enabled: !sinks.isEmpty, hecTokenSet: settings.hecToken != nil, eventsDropped: exporter.droppedEvents, sinks: sinks))
        } }
    }
}
