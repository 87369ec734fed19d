import AAMCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4). Open without the admin token,
/// like most gateways' metrics: it carries no key, secret or prompt text, and label values are
/// configured names only (see `MetricLabelVocabulary`).
enum MetricsRoutes {
    static func register(on router: Router<GatewayContext>, metrics: MetricsCollector) {
        router.get("metrics") { _, context in
            var headers = HTTPFields()
            headers[.contentType] = PrometheusText.contentType
            headers[Responses.requestIDField] = context.requestID
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }
}
