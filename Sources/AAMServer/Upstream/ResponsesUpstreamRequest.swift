import AAMCore
import AAMProviders

extension UpstreamRequestBuilder {
    /// A Responses call to a vendor's own Responses API (`VendorDialect.responsesURL`): the
    /// client's body with only `model` replaced (`OpenAIResponsesPassthroughBridge`); URL and
    /// headers from the dialect, credential excluded (the transport adds it).
    static func responses(
        _ body: [UInt8], scan: JSONObjectScanner, stream: Bool, deployment: Deployment, provider: ProviderConfig,
        clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        let dialect = provider.wireProtocol.dialect
        guard let url = dialect.responsesURL(provider) else {
            // The planner offers only providers that speak it (`ResponsesEndpoint.serves`).
            throw GatewayError.upstreamFailed(status: 502, message: "Provider '\(provider.name)' has no Responses API endpoint.")
        }
        let upstreamBody: [UInt8]
        do {
            upstreamBody = try WireBridges.bridge(from: .openAIResponses, to: .openAIResponses)
                .requestBody(body, scan: scan, upstreamModel: deployment.upstreamModel, stream: stream)
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
        var headers: [(String, String)] = [("content-type", "application/json")]
        if stream { headers.append(("accept", "text/event-stream")) }
        headers.append(contentsOf: dialect.requiredHeaders(inbound: .openAIResponses, clientHeaders: clientHeaders, configured: provider.headers))
        for (name, value) in provider.headers { headers.append((name.lowercased(), value)) }
        return UpstreamRequest(url: url, headers: headers, body: upstreamBody, stream: stream, timeoutMs: timeoutMs)
    }
}
