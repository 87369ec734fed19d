import Foundation

/// The wire protocol an upstream provider speaks.
public enum ProviderProtocol: String, Sendable, Codable, CaseIterable {
    /// Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, OpenRouter, …
    case openai
    case anthropic
    /// Azure OpenAI: deployment URLs, `api-version` query, `api-key` header.
    case azureOpenAI = "azure-openai"
    /// Google Gemini API: `generateContent`, `x-goog-api-key` header.
    case gemini
    /// Amazon Bedrock Runtime: Converse/ConverseStream, SigV4-signed with the provider's region.
    case bedrock
    /// The built-in deterministic vendor used by the demo and load tests (no network).
    case simulated
}

extension ProviderConfig {
    /// The protocols whose vendors have a Responses API endpoint of their own, for validating
    /// the `responsesAPI` setting (the endpoint itself is the dialect's
    /// `VendorDialect.responsesURL`; a test holds the two together).
    public static let protocolsWithResponsesAPI: Set<ProviderProtocol> = [.openai, .azureOpenAI]
}

extension ProviderProtocol {
    /// Bedrock's regional endpoint, the base URL of a `bedrock` provider that names none.
    public static func bedrockBaseURL(region: String) -> String { "https://bedrock-runtime.\(region).amazonaws.com" }
}

/// A vendor credential encrypted at rest with envelope encryption (see `AAMSecrets`).
///
/// Only ciphertext lives here: the data key is wrapped by the master key and the credential is
/// sealed by the data key with the provider's name bound as additional authenticated data.
public struct SealedCredential: Sendable, Hashable, Codable {
    /// Identifies the master key that wrapped `wrappedDataKey` (a fingerprint, not the key).
    public var masterKeyID: String
    /// AES-256-GCM sealed box (nonce | ciphertext | tag) of the 32-byte data key.
    public var wrappedDataKey: Data
    /// AES-256-GCM sealed box of the credential under the data key.
    public var ciphertext: Data
    /// A short, non-reversible fingerprint shown by the admin API (`sha256:ab12cd34`).
    public var fingerprint: String

    public init(masterKeyID: String, wrappedDataKey: Data, ciphertext: Data, fingerprint: String) {
        self.masterKeyID = masterKeyID
        self.wrappedDataKey = wrappedDataKey
        self.ciphertext = ciphertext
        self.fingerprint = fingerprint
    }
}

/// Knobs of the built-in simulated vendor.
public struct SimulationSettings: Sendable, Hashable, Codable {
    public var ttftMs: Int
    public var tokensPerSecond: Double
    public var completionTokens: Int
    public var errorRate: Double

    public init(ttftMs: Int = 40, tokensPerSecond: Double = 400, completionTokens: Int = 48, errorRate: Double = 0) {
        self.ttftMs = ttftMs
        self.tokensPerSecond = tokensPerSecond
        self.completionTokens = completionTokens
        self.errorRate = errorRate
    }
}

/// An upstream vendor endpoint and how to reach it.
public struct ProviderConfig: Sendable, Hashable, Codable {
    public var name: String
    public var wireProtocol: ProviderProtocol
    /// e.g. `https://api.openai.com` (the `/v1/...` path is appended), or an Azure resource URL.
    public var baseURL: String
    public var region: String?
    /// Extra headers sent upstream (never secrets: those go in `credential`).
    public var headers: [String: String]
    /// Azure OpenAI `api-version` query value.
    public var apiVersion: String?
    public var credential: SealedCredential?
    public var drained: Bool
    public var simulation: SimulationSettings?
    /// Spending caps on everything served through this provider (a vendor account's monthly
    /// cap). Routing passes over its deployments while a budget cannot hold a call.
    public var budgets: [Budget]?
    /// Whether the upstream serves the OpenAI Responses API (`POST /v1/responses`) itself, so
    /// a Responses call passes through byte-faithfully (stored responses and
    /// `previous_response_id` work as the vendor provides them). nil: the protocol's default
    /// (on for `openai` and `azure-openai`, which have the endpoint; off elsewhere). `false`
    /// for an OpenAI-compatible server that only does chat completions (vLLM, Ollama, …):
    /// Responses calls are then translated to chat, like on every other vendor.
    public var responsesAPI: Bool?
    /// Extra CA roots and a client certificate for this vendor's connections (nil: system roots, no client certificate).
    public var tls: UpstreamTLSSettings?
    /// `http://HOST:PORT` to reach this vendor through that proxy, `none` to connect directly;
    /// nil follows `HTTPS_PROXY`/`NO_PROXY` of aamd's environment (`EgressProxyRule`).
    public var proxy: String?

    public init(
        name: String, wireProtocol: ProviderProtocol, baseURL: String, region: String? = nil,
        headers: [String: String] = [:], apiVersion: String? = nil, credential: SealedCredential? = nil,
        drained: Bool = false, simulation: SimulationSettings? = nil, budgets: [Budget]? = nil, responsesAPI: Bool? = nil,
        tls: UpstreamTLSSettings? = nil, proxy: String? = nil
    ) {
        self.budgets = budgets
        self.responsesAPI = responsesAPI
        self.tls = tls
        self.proxy = proxy
        self.name = name
        self.wireProtocol = wireProtocol
        self.baseURL = baseURL
        self.region = region
        self.headers = headers
        self.apiVersion = apiVersion
        self.credential = credential
        self.drained = drained
        self.simulation = simulation
    }
}
