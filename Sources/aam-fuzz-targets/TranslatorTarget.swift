import AAMCore
import AAMProviders

/// The request and response translators and inspectors, fed one body as every kind of input
/// they take (client request in either protocol, upstream response in either protocol,
/// embeddings request and response, upstream error body).
///
/// Invariants: nothing traps; every body a translator produces is one valid JSON object; the
/// usage read from a body is never negative.
enum TranslatorTarget {
    static let target = FuzzTarget.translators
    static let model = "fuzz-model"

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        try produced("RequestTranslator.openAIToAnthropic", try? RequestTranslator.openAIToAnthropic(input, upstreamModel: model))
        try produced("RequestTranslator.anthropicToOpenAI", try? RequestTranslator.anthropicToOpenAI(input, upstreamModel: model))
        for wire in [WireProtocol.openAIChat, .anthropicMessages] {
            if let summary = try? RequestInspector.summarize(input, protocol: wire) {
                try check(summary.estimatedPromptTokens >= 0 && (summary.maxTokens ?? 0) >= 0, target,
                    "summary of a \(wire) request has negative figures: \(summary)")
            }
            try produced("RequestInspector.passthroughBody(\(wire))", try? RequestInspector.passthroughBody(input, protocol: wire, upstreamModel: model))
        }
        if let translated = try? ResponseTranslator.anthropicToOpenAI(input, responseModel: model, created: 0) {
            try produced("ResponseTranslator.anthropicToOpenAI", translated.body)
            try usage("ResponseTranslator.anthropicToOpenAI", translated.usage)
        }
        if let translated = try? ResponseTranslator.openAIToAnthropic(input, responseModel: model) {
            try produced("ResponseTranslator.openAIToAnthropic", translated.body)
            try usage("ResponseTranslator.openAIToAnthropic", translated.usage)
        }
        try usage("usage(fromOpenAIResponse:)", ResponseTranslator.usage(fromOpenAIResponse: input))
        try usage("usage(fromAnthropicResponse:)", ResponseTranslator.usage(fromAnthropicResponse: input))
        try usage("usage(fromOpenAIUsageObject:)", ResponseTranslator.usage(fromOpenAIUsageObject: input))
        try usage("usage(fromAnthropicUsageObject:)", ResponseTranslator.usage(fromAnthropicUsageObject: input))
        try usage("EmbeddingsCodec.usage", EmbeddingsCodec.usage(fromResponse: input))
        if let request = try? EmbeddingsCodec.parseRequest(input) {
            try check(request.estimatedPromptTokens >= 0, target, "embeddings estimate is negative")
        }
        try produced("EmbeddingsCodec.replacingModel", try? EmbeddingsCodec.replacingModel(in: input, with: model))
        try produced("EmbeddingsCodec.replacingResponseModel", try? EmbeddingsCodec.replacingResponseModel(in: input, with: model))
        _ = UpstreamErrorReader.read(input)
        try gemini(input)
    }

    /// Gemini's bridges (both inbound APIs) and embeddings, through their public faces.
    static func gemini(_ input: [UInt8]) throws(InvariantViolation) {
        let dialect = GeminiDialect()
        for wire in [WireProtocol.openAIChat, .anthropicMessages] {
            let bridge = dialect.bridge(from: wire)
            if let scan = try? JSONObjectScanner(input) {
                try produced("Gemini request from \(wire)", try? bridge.requestBody(input, scan: scan, upstreamModel: model, stream: true))
                try produced("Gemini embeddings request", try? dialect.embeddingsBody(input, scan: scan, upstreamModel: model))
            }
            if let answer = try? bridge.responseBody(input, responseModel: model) {
                try produced("Gemini answer to \(wire)", answer.body)
                try usage("Gemini answer to \(wire)", answer.usage)
            }
        }
        _ = dialect.isCredentialRefusal(status: 400, body: input)
        _ = dialect.errorMessage(input)
    }

    /// A translator's output, when it produced one, is a single valid JSON object.
    static func produced(_ what: String, _ body: [UInt8]?) throws(InvariantViolation) {
        guard let body else { return }
        do { _ = try JSONObjectScanner(body) } catch {
            throw InvariantViolation(target.rawValue, "\(what) produced invalid JSON (\(error)): \(excerpt(body, limit: 400))")
        }
    }

    static func usage(_ what: String, _ usage: TokenUsage?) throws(InvariantViolation) {
        guard let usage else { return }
        try check(usage.promptTokens >= 0 && usage.completionTokens >= 0, target, "\(what) read negative usage: \(usage)")
    }
}
