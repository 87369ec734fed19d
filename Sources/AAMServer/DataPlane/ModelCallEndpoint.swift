import AAMCore
import AAMProviders
import Hummingbird

/// What one model-call endpoint (chat, messages, embeddings, …) supplies to the shared
/// `ModelCallPipeline`: how to read its body, screen it, shape the upstream request and relay
/// the answer. Everything else (evidence gate, authentication, agent policy, allow-lists,
/// admission, the attempt loop, settlement, the record) is the pipeline's, written once, so
/// endpoints cannot drift apart.
protocol ModelCallEndpoint: Sendable {
    associatedtype Inbound: ModelCallRequest

    var runtime: GatewayRuntime { get }
    /// The route, as recorded in the call record (`/v1/chat/completions`).
    var path: String { get }
    /// The error shape the client reads.
    var shape: ErrorShape { get }
    /// Anthropic's `x-api-key` header is accepted as the key (clients of Anthropic's API send it).
    var acceptsXAPIKey: Bool { get }

    /// Parses and validates the request body (a 400 in the endpoint's shape when it is wrong).
    func read(_ body: [UInt8]) throws(GatewayError) -> Inbound
    /// Request guardrails: the request with redacted texts, or a refusal.
    func screen(_ inbound: Inbound, with engine: GuardrailEngine, trace: CallTrace) throws(GatewayError) -> Inbound
    /// Whether a provider's vendor can serve this request at all (embeddings: not Anthropic;
    /// a Responses call that needs server-side state: only a vendor with the Responses API).
    func serves(_ provider: ProviderConfig, _ inbound: Inbound) -> Bool
    /// The error when the alias has no deployment that can serve this request at all (asked
    /// only then); nil to let the attempt loop explain an empty plan.
    func unservable(_ inbound: Inbound) -> GatewayError?
    /// The request one deployment's provider expects.
    func upstreamRequest(
        _ inbound: Inbound, deployment: Deployment, provider: ProviderConfig, clientHeaders: [(String, String)], timeoutMs: Int
    ) throws(GatewayError) -> UpstreamRequest
    /// Relays a 2xx answer to the client and finishes the record; nil when the answer proved
    /// unusable before anything reached the client (the attempt is recorded), so the next
    /// deployment is tried.
    func relay(_ response: UpstreamResponse, inbound: Inbound, deployment: Deployment, provider: ProviderConfig, call: RelayCall) async throws -> Response?
}

/// A parsed model-call request, as the pipeline sees it.
protocol ModelCallRequest: Sendable {
    /// The `model` the client asked for (an alias).
    var alias: String { get }
    /// The body as it goes upstream (after any redaction).
    var body: [UInt8] { get }
    /// The client asked for a stream.
    var streamed: Bool { get }
    /// The output cap budgets and limits reserve: nil for the configured default, 0 when the
    /// call produces no output tokens (embeddings).
    func outputCap(_ runtime: GatewayRuntime) -> Int?
}

extension ModelCallRequest {
    /// The admission estimate of prompt tokens (a byte count / 4: cheap, and never below what a
    /// tokenizer would count for English text by much).
    var estimatedPromptTokens: Int { body.count / 4 }
}

/// What a relay needs to know about the call and the attempt it relays.
struct RelayCall: Sendable {
    let trace: CallTrace
    let requestID: String
    /// The alias's time budget; a stream still running past it ends with an in-band error.
    let timeoutMs: Int
    /// The caller's response guardrails, when they do something.
    let responseGuardrails: GuardrailEngine?
    /// When this attempt was sent.
    let attemptStart: ContinuousClock.Instant
}
