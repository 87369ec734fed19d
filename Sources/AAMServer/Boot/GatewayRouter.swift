import AAMCore
import AAMProviders
import HTTPTypes
import Hummingbird

/// Assembles the routes of one listener: data plane, admin API (with `/metrics`), health; which
/// of them is the listener's `RouteSurface`.
enum GatewayRouter {
    static func build(
        runtime: GatewayRuntime, admin: AdminAuth, calls: any CallRecordStore, ready: @escaping @Sendable () -> Bool,
        metrics: MetricsCollector? = nil, siem: SIEMExporter? = nil, siemSettings: SIEMSettings = SIEMSettings(), cluster: ClusterView? = nil,
        surface: RouteSurface = .all
    ) -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: JSONNotFoundMiddleware(fixedRouteMethods: JSONNotFoundMiddleware.fixedRouteMethods(of: surface)))
        if surface.servesDataPlane { registerDataPlane(on: router, runtime: runtime) }
        registerHealth(on: router, runtime: runtime, ready: ready, cluster: cluster)
        if surface.servesAdmin {
            registerAdmin(
                on: router, runtime: runtime, admin: admin, calls: calls, metrics: metrics, siem: siem, siemSettings: siemSettings,
                cluster: cluster)
        }
        return router
    }

    /// `/v1/*` and the MCP gateway.
    private static func registerDataPlane(on router: Router<GatewayContext>, runtime: GatewayRuntime) {
        let chat = ChatEndpoint(runtime: runtime, wire: .openAIChat)
        let messages = ChatEndpoint(runtime: runtime, wire: .anthropicMessages)
        let embeddings = EmbeddingsEndpoint(runtime: runtime)
        let models = ModelsEndpoint(runtime: runtime)
        router.post("v1/chat/completions") { request, context in await chat.handle(request, context: context) }
        router.post("v1/messages") { request, context in await messages.handle(request, context: context) }
        let responses = ResponsesEndpoint(runtime: runtime)
        router.post("v1/responses") { request, context in await responses.handle(request, context: context) }
        router.post("v1/embeddings") { request, context in await embeddings.handle(request, context: context) }
        router.get("v1/models") { request, context in await models.handle(request, context: context) }
        router.get("v1/models/**") { request, context in await models.handleOne(request, context: context) }
        let countTokens = CountTokensEndpoint(runtime: runtime)
        router.post("v1/messages/count_tokens") { request, context in await countTokens.handle(request, context: context) }
        let mcp = MCPEndpoint(runtime: runtime)
        router.post("mcp/:server") { request, context in await mcp.handle(request, context: context) }
        router.delete("mcp/:server") { request, context in await mcp.endSession(request, context: context) }
        router.get("mcp/:server") { _, context in MCPEndpoint.noStream(context) }
    }

    /// `/healthz` and `/readyz`, on every listener (load balancers probe the data port, monitoring the admin port).
    private static func registerHealth(
        on router: Router<GatewayContext>, runtime: GatewayRuntime, ready: @escaping @Sendable () -> Bool, cluster: ClusterView?
    ) {
        router.get("healthz") { _, _ in Responses.json(Array(#"{"status":"ok"}"#.utf8)) }
        router.get("readyz") { _, _ in
            guard ready() else { return Responses.json(Array(#"{"status":"starting"}"#.utf8), status: .serviceUnavailable) }
            // A replica cut off from the shared database still serves (200) from its last
            // configuration, and says how stale it is so a load balancer or operator can tell.
            guard let cluster, cluster.cluster != nil else { return Responses.json(Array(#"{"status":"ready"}"#.utf8)) }
            let reading = cluster.feed.reading
            let stale = cluster.feed.staleSeconds(at: runtime.clock.now())
            let status = stale > ReadinessReport.staleAfterSeconds ? "stale" : "ready"
            return Responses.json(ReadinessReport(
                status: status, replica: cluster.identity?.id, configVersion: reading.appliedVersion,
                configStaleSeconds: (stale * 10).rounded() / 10, feedError: reading.lastError.map { _ in "the shared database is not reachable" }))
        }
    }

    /// `/admin/*` and `/metrics`.
    private static func registerAdmin(
        on router: Router<GatewayContext>, runtime: GatewayRuntime, admin: AdminAuth, calls: any CallRecordStore, metrics: MetricsCollector?,
        siem: SIEMExporter?, siemSettings: SIEMSettings, cluster: ClusterView?
    ) {
        AdminRoutes(runtime: runtime, auth: admin, calls: calls).register(on: router)
        ReplicaAdmin.register(
            on: router, routes: AdminRoutes(runtime: runtime, auth: admin, calls: calls),
            view: cluster ?? ClusterView(cluster: nil, identity: nil, feed: runtime.registry.feedStatus, listen: { "" }))
        if let metrics { MetricsRoutes.register(on: router, metrics: metrics) }
        QuarantineAdmin.register(on: router, routes: AdminRoutes(runtime: runtime, auth: admin, calls: calls), writer: runtime.evidence)
        if let siem { SIEMAdmin.register(on: router, routes: AdminRoutes(runtime: runtime, auth: admin, calls: calls), exporter: siem, settings: siemSettings) }
    }
}

/// `/readyz` of a replica: `stale` once the configuration has not been confirmed current with
/// the shared database for `staleAfterSeconds` (still HTTP 200: it serves from its snapshot).
struct ReadinessReport: Encodable, Sendable {
    static let staleAfterSeconds: Double = 5
    var status: String
    var replica: String?
    var configVersion: Int64
    var configStaleSeconds: Double
    var feedError: String?
}

/// Unknown paths and methods answer in the OpenAI error shape instead of an empty 404.
struct JSONNotFoundMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    /// The fixed paths this listener serves, with their methods (for 405 and its `Allow` header).
    var fixedRouteMethods: [String: String] = Self.fixedRouteMethods

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            let shape: ErrorShape = request.uri.path.hasPrefix("/v1/messages") ? .anthropic : .openAI
            // The router reports a known path with the wrong method as "not found"; say 405.
            let allowed = fixedRouteMethods[request.uri.path]
            var extra = HTTPFields()
            let gatewayError: GatewayError
            if error.status == .methodNotAllowed || allowed != nil {
                gatewayError = GatewayError.methodNotAllowed(request.method.rawValue)
                if let allowed { extra[.allow] = allowed }
            } else {
                gatewayError = GatewayError(status: 404, type: .invalidRequestError, code: .notFound, message: "No route for \(request.method) \(request.uri.path).")
            }
            return Responses.error(gatewayError, shape: shape, requestID: context.requestID, extra: extra)
        }
    }

    /// The methods of the fixed data-plane and health paths (for 405 and its `Allow` header).
    static let fixedRouteMethods: [String: String] = [
        "/v1/chat/completions": "POST", "/v1/messages": "POST", "/v1/embeddings": "POST", "/v1/models": "GET",
        "/v1/messages/count_tokens": "POST", "/v1/responses": "POST",
        "/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
    ]

    /// The fixed paths a listener of `surface` serves: on a split data listener `/metrics` is
    /// an unknown path (404), not a wrong method.
    static func fixedRouteMethods(of surface: RouteSurface) -> [String: String] {
        fixedRouteMethods.filter { path, _ in
            switch path {
            case "/healthz", "/readyz": true
            case "/metrics": surface.servesAdmin
            default: surface.servesDataPlane
            }
        }
    }
}
