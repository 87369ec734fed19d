import AAMCore
import AAMProviders

/// Turns an inbound request into the request one deployment's provider expects: URL, headers
/// (credential excluded: the transport adds it) and body, translated only when the protocols differ.
enum UpstreamRequestBuilder {
    static func wire(of provider: ProviderConfig) -> WireProtocol {
        provider.wireProtocol == .anthropic ? .anthropicMessages : .openAIChat
    }

    static func chat(
        _ inbound: InboundRequest, inboundWire: WireProtocol, deployment: Deployment, provider: ProviderConfig,
        clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest {
        let upstreamWire = wire(of: provider)
        let body: [UInt8]
        do {
            switch (inboundWire, upstreamWire) {
            case (.openAIChat, .openAIChat):
                var replacements = ["model": JSONSplicer.quoted(deployment.upstreamModel)]
                // Always ask for usage so the call can be billed; the relay strips it again when
                // the client did not ask for it.
                if inbound.stream { replacements["stream_options"] = Array(#"{"include_usage":true}"#.utf8) }
                body = JSONSplicer.splice(inbound.body, scan: inbound.scan, replacing: replacements)
            case (.anthropicMessages, .anthropicMessages):
                body = JSONSplicer.splice(inbound.body, scan: inbound.scan, replacing: ["model": JSONSplicer.quoted(deployment.upstreamModel)])
            case (.openAIChat, .anthropicMessages):
                body = try RequestTranslator.openAIToAnthropic(inbound.body, upstreamModel: deployment.upstreamModel)
            case (.anthropicMessages, .openAIChat):
                body = try RequestTranslator.anthropicToOpenAI(inbound.body, upstreamModel: deployment.upstreamModel)
            }
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
        var headers: [(String, String)] = [("content-type", "application/json")]
        if inbound.stream { headers.append(("accept", "text/event-stream")) }
        if upstreamWire == .anthropicMessages {
            let forwarded = inboundWire == .anthropicMessages ? clientHeaders.filter { Self.anthropicForwarded.contains($0.0) } : []
            headers.append(contentsOf: forwarded)
            if !headers.contains(where: { $0.0 == "anthropic-version" }), provider.headers.keys.allSatisfy({ $0.lowercased() != "anthropic-version" }) {
                headers.append(("anthropic-version", "2023-06-01"))
            }
        }
        for (name, value) in provider.headers { headers.append((name.lowercased(), value)) }
        return UpstreamRequest(
            url: chatURL(provider: provider, deployment: deployment), headers: headers, body: body, stream: inbound.stream,
            timeoutMs: timeoutMs)
    }

    static func embeddings(
        _ inbound: InboundEmbeddingsRequest, deployment: Deployment, provider: ProviderConfig, timeoutMs: Int
    ) -> UpstreamRequest {
        let body = JSONSplicer.splice(inbound.body, scan: inbound.scan, replacing: ["model": JSONSplicer.quoted(deployment.upstreamModel)])
        var headers: [(String, String)] = [("content-type", "application/json")]
        for (name, value) in provider.headers { headers.append((name.lowercased(), value)) }
        let url: String
        switch provider.wireProtocol {
        case .azureOpenAI:
            url = trimmed(provider.baseURL) + "/openai/deployments/\(percentEncoded(deployment.upstreamModel))/embeddings?api-version=\(provider.apiVersion ?? "")"
        case .simulated: url = "simulated://\(provider.name)/v1/embeddings"
        default: url = versioned(provider.baseURL) + "/embeddings"
        }
        return UpstreamRequest(url: url, headers: headers, body: body, stream: false, timeoutMs: timeoutMs)
    }

    static let anthropicForwarded: Set<String> = ["anthropic-version", "anthropic-beta"]

    static func chatURL(provider: ProviderConfig, deployment: Deployment) -> String {
        switch provider.wireProtocol {
        case .openai: versioned(provider.baseURL) + "/chat/completions"
        case .anthropic: versioned(provider.baseURL) + "/messages"
        case .azureOpenAI:
            trimmed(provider.baseURL) + "/openai/deployments/\(percentEncoded(deployment.upstreamModel))/chat/completions?api-version=\(provider.apiVersion ?? "")"
        case .simulated: "simulated://\(provider.name)/v1/chat/completions"
        }
    }

    /// `https://host` -> `https://host/v1`; `https://host/v1` and `http://host:11434/v1/` stay `…/v1`.
    static func versioned(_ base: String) -> String {
        let base = trimmed(base)
        return base.hasSuffix("/v1") ? base : base + "/v1"
    }

    static func trimmed(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func percentEncoded(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }
}

import Foundation
