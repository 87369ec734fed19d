import AAMCore
import Testing

@testable import AAMProviders

/// Each vendor's dialect (URLs, credential header, required headers, refusals) and the bridge
/// registry: the facts the request builder, both upstream clients and the error policy take
/// from `VendorDialect` / `WireBridges`.
@Suite struct VendorDialectTests {
    static func provider(_ wire: ProviderProtocol, base: String, apiVersion: String? = nil, headers: [String: String] = [:]) -> ProviderConfig {
        ProviderConfig(name: "p-\(wire.rawValue)", wireProtocol: wire, baseURL: base, headers: headers, apiVersion: apiVersion)
    }

    @Test func openAICompatibleEndpointsAddV1OnlyWhenMissing() {
        let dialect = ProviderProtocol.openai.dialect
        #expect(dialect.chatURL(Self.provider(.openai, base: "https://api.openai.com"), upstreamModel: "gpt-4o") == "https://api.openai.com/v1/chat/completions")
        #expect(dialect.chatURL(Self.provider(.openai, base: "http://127.0.0.1:11434/v1/"), upstreamModel: "llama") == "http://127.0.0.1:11434/v1/chat/completions")
        #expect(dialect.embeddingsURL(Self.provider(.openai, base: "https://api.openai.com/"), upstreamModel: "e") == "https://api.openai.com/v1/embeddings")
        #expect((dialect as? any NativeWireDialect)?.chatWire == .openAIChat)
    }

    @Test func azurePutsTheDeploymentInThePathEncodedAndTheVersionInTheQuery() {
        let dialect = ProviderProtocol.azureOpenAI.dialect
        let provider = Self.provider(.azureOpenAI, base: "https://res.openai.azure.com/", apiVersion: "2024-10-21")
        #expect(dialect.chatURL(provider, upstreamModel: "gpt 4o/x")
            == "https://res.openai.azure.com/openai/deployments/gpt%204o%2Fx/chat/completions?api-version=2024-10-21")
        #expect(dialect.embeddingsURL(provider, upstreamModel: "emb")
            == "https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21")
    }

    @Test func anthropicHasMessagesAndNoEmbeddings() {
        let dialect = ProviderProtocol.anthropic.dialect
        #expect(dialect.chatURL(Self.provider(.anthropic, base: "https://api.anthropic.com"), upstreamModel: "claude") == "https://api.anthropic.com/v1/messages")
        #expect(dialect.embeddingsURL(Self.provider(.anthropic, base: "https://api.anthropic.com"), upstreamModel: "claude") == nil)
        #expect(!dialect.servesEmbeddings)
        #expect((dialect as? any NativeWireDialect)?.chatWire == .anthropicMessages)
    }

    @Test func eachVendorCarriesTheCredentialInItsOwnHeader() {
        let secret = SecretValue("sk-test-123")
        #expect(ProviderProtocol.openai.dialect.credentialField(secret) == ("authorization", "Bearer sk-test-123"))
        #expect(ProviderProtocol.azureOpenAI.dialect.credentialField(secret) == ("api-key", "sk-test-123"))
        #expect(ProviderProtocol.anthropic.dialect.credentialField(secret) == ("x-api-key", "sk-test-123"))
        #expect(ProviderProtocol.simulated.dialect.credentialField(secret) == ("authorization", "Bearer sk-test-123"))
    }

    @Test func anthropicForwardsItsOwnClientsVersionAndBetaOnly() {
        let dialect = ProviderProtocol.anthropic.dialect
        let client = [("anthropic-version", "2024-01-01"), ("anthropic-beta", "tools-2024"), ("x-other", "no")]
        // A Messages client's own version and beta flags pass; nothing else does.
        let own = dialect.requiredHeaders(inbound: .anthropicMessages, clientHeaders: client, configured: [:])
        #expect(own.map(\.0) == ["anthropic-version", "anthropic-beta"])
        #expect(own.first?.1 == "2024-01-01")
        // A translated OpenAI client gets the default version, none of its headers.
        let translated = dialect.requiredHeaders(inbound: .openAIChat, clientHeaders: client, configured: [:])
        #expect(translated.map(\.0) == ["anthropic-version"])
        #expect(translated.first?.1 == AnthropicDialect.defaultVersion)
        // A version configured on the provider wins: no default beside it.
        #expect(dialect.requiredHeaders(inbound: .openAIChat, clientHeaders: [], configured: ["Anthropic-Version": "2023-01-01"]).isEmpty)
        #expect(ProviderProtocol.openai.dialect.requiredHeaders(inbound: .openAIChat, clientHeaders: client, configured: [:]).isEmpty)
    }

    @Test func refusalsReadInEitherShapeAndContextLimitsAreRecognised() {
        let dialect = ProviderProtocol.openai.dialect
        #expect(dialect.errorMessage(Array(#"{"error":{"message":"bad temperature","type":"invalid_request_error"}}"#.utf8)) == "bad temperature")
        #expect(dialect.errorMessage(Array(#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"}}"#.utf8)) == "max_tokens: too big")
        #expect(dialect.errorMessage(Array("<html>gateway</html>".utf8)) == nil)
        #expect(dialect.isContextLengthError(Array(#"{"error":{"code":"context_length_exceeded"}}"#.utf8)))
        #expect(ProviderProtocol.anthropic.dialect.isContextLengthError(Array(#"{"error":{"message":"prompt is too long: 210000 tokens"}}"#.utf8)))
        #expect(!dialect.isContextLengthError(Array(#"{"error":{"message":"invalid temperature"}}"#.utf8)))
    }

    @Test func everyProtocolHasADialect() {
        for wire in ProviderProtocol.allCases {
            let dialect = wire.dialect
            #expect(dialect.servesEmbeddings == (dialect.embeddingsURL(Self.provider(wire, base: "https://h"), upstreamModel: "m") != nil), "\(wire)")
        }
    }

    // MARK: Bridges

    @Test func samePairBridgesPassTheBodyThroughWithOnlyTheModelReplaced() throws {
        let body = Array(#"{"model":"fast","messages":[{"role":"user","content":"hi"}],"seed":7}"#.utf8)
        let scan = try JSONObjectScanner(body)
        let openAI = WireBridges.bridge(from: .openAIChat, to: .openAIChat)
        let plain = String(decoding: try openAI.requestBody(body, scan: scan, upstreamModel: "gpt-4o", stream: false), as: UTF8.self)
        #expect(plain == #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"seed":7}"#)
        // A stream always asks the vendor for usage (the call must be billed).
        let streamed = String(decoding: try openAI.requestBody(body, scan: scan, upstreamModel: "gpt-4o", stream: true), as: UTF8.self)
        #expect(streamed.contains(#""stream_options":{"include_usage":true}"#))
        #expect(openAI.fastPassthrough(clientRequestedUsage: false) != nil)
        #expect(WireBridges.bridge(from: .anthropicMessages, to: .anthropicMessages).fastPassthrough(clientRequestedUsage: false) == nil)
    }

    @Test func crossPairBridgesTranslateRequestAndAnswer() throws {
        let body = Array(#"{"model":"fast","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}"#.utf8)
        let toAnthropic = WireBridges.bridge(from: .openAIChat, to: .anthropicMessages)
        let request = try WireJSON.parse(try toAnthropic.requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "claude", stream: false))
        #expect(request["model"]?.stringValue == "claude")
        #expect(request["system"]?.stringValue == "Be brief.")
        #expect(request["max_tokens"] != nil)

        let answer = Array(#"{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","usage":{"input_tokens":9,"output_tokens":2}}"#.utf8)
        let (translated, usage) = try toAnthropic.responseBody(answer, responseModel: "claude")
        #expect(try WireJSON.parse(translated)["object"]?.stringValue == "chat.completion")
        #expect(usage?.promptTokens == 9)
        #expect(usage?.completionTokens == 2)
    }

    @Test func passThroughAnswersKeepTheirBytesAndReportUsage() throws {
        let answer = Array(#"{"id":"c","object":"chat.completion","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#.utf8)
        let (body, usage) = try WireBridges.bridge(from: .openAIChat, to: .openAIChat).responseBody(answer, responseModel: "m")
        #expect(body == answer)
        #expect(usage?.promptTokens == 5)
        #expect(throws: (any Error).self) { try WireBridges.bridge(from: .openAIChat, to: .openAIChat).responseBody(Array("not json".utf8), responseModel: "m") }
    }
}
