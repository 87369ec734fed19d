import AAMCore
import AAMProviders

/// Turns an inbound request into the request one deployment's provider expects: URL and
/// headers from the vendor's dialect (credential excluded: the transport adds it), body from the
/// (inbound, upstream) bridge.
enum UpstreamRequestBuilder {
    static func chat(
        _ inbound: InboundRequest, inboundWire: WireProtocol, deployment: Deployment, provider: ProviderConfig,
        clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        let dialect = provider.wireProtocol.dialect
        let bridge = dialect.bridge(from: inboundWire)
        let body: [UInt8]
        do {
            body = try bridge.requestBody(inbound.body, scan: inbound.scan, upstreamModel: deployment.upstreamModel, stream: inbound.stream)
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
        var headers: [(String, String)] = [("content-type", "application/json")]
        if inbound.stream { headers.append(("accept", "text/event-stream")) }
        headers.append(contentsOf: dialect.requiredHeaders(inbound: inboundWire, clientHeaders: clientHeaders, configured: provider.headers))
        for (name, value) in provider.headers { headers.append((name.lowercased(), value)) }
        return UpstreamRequest(
            url: dialect.chatURL(provider, upstreamModel: deployment.upstreamModel, stream: inbound.stream), headers: headers, body: body, stream: inbound.stream,
            timeoutMs: timeoutMs)
    }

    /// The vendor's embeddings request (`VendorDialect.embeddingsBody`); nil when the provider's
    /// vendor has no embeddings API (the planner never offers one: `VendorDialect.servesEmbeddings`).
    static func embeddings(
        _ inbound: InboundEmbeddingsRequest, deployment: Deployment, provider: ProviderConfig, timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest? {
        let dialect = provider.wireProtocol.dialect
        guard let url = dialect.embeddingsURL(provider, upstreamModel: deployment.upstreamModel) else { return nil }
        let body: [UInt8]
        do {
            body = try dialect.embeddingsBody(inbound.body, scan: inbound.scan, upstreamModel: deployment.upstreamModel)
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
        var headers: [(String, String)] = [("content-type", "application/json")]
        for (name, value) in provider.headers { headers.append((name.lowercased(), value)) }
        return UpstreamRequest(url: url, headers: headers, body: body, stream: false, timeoutMs: timeoutMs)
    }
}
