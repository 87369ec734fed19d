import Foundation
import Hummingbird
import NIOCore

/// The fake's request handler: routes, checks credentials, records, and answers according to
/// the behaviour chosen for the request.
struct FakeUpstreamResponder: HTTPResponder {
    typealias Context = FakeUpstreamContext

    /// Requests larger than this are refused; far above any test's needs.
    static let maxBodyBytes = 64 * 1024 * 1024

    let apiKey: String
    let models: [String]
    let state: FakeUpstreamState
    /// Precomputed answers when running in ``FakeUpstreamMode/fast``; nil in full mode.
    let fast: FastResponses?

    func respond(to request: Request, context: FakeUpstreamContext) async throws -> Response {
        let method = request.method.rawValue
        let path = request.uri.path
        let route = FakeRoute(method: method, path: path, query: request.uri.query)
        if let fast, route == .openAIChat || route == .anthropicMessages {
            return try await fast.answer(route: route, request: request, apiKey: apiKey)
        }

        var request = request
        let body = Array(buffer: try await request.collectBody(upTo: Self.maxBodyBytes))
        let headers = request.headers
        let query = request.uri.query
        let dialect = Self.dialect(of: route, headers: headers)
        let inspected = InspectedRequest(route: route, body: body)
        var refusal: FakeVendorError?
        var denial: BedrockSignatureCheck.Denial?
        if dialect == .bedrock {
            // Bedrock checks the signature (with the secret) and its time before anything else.
            denial = BedrockSignatureCheck.verify(
                method: method, rawPath: path, query: query, host: request.head.authority, headers: headers, body: body, apiKey: apiKey,
                now: Date().addingTimeInterval(await state.clockOffsetSeconds))
            if route == .bedrockUnknown, denial == nil { refusal = .notFound(message: "Unknown operation") }
        } else {
            refusal = self.refusal(route: route, method: method, path: path, dialect: dialect, headers: headers, query: query)
        }

        // Responses API: a request continuing a stored response the fake does not hold is
        // refused as OpenAI refuses it (and spends no scripted behaviour).
        var priorTurns = 0
        var unknownPrevious: String?
        if refusal == nil, inspected.rejection == nil, let previous = inspected.responses?.previousResponseID {
            if let turns = await state.storedTurns(of: previous) { priorTurns = turns } else { unknownPrevious = previous }
        }

        let sequence: Int
        let behaviour: FakeBehaviour
        if fast == nil {
            let draft = RecordedRequestDraft(
                method: method,
                path: path,
                query: query,
                headers: headers.map { RecordedRequest.Header(name: $0.name.rawName, value: $0.value) },
                body: body,
                model: inspected.model
            )
            (sequence, behaviour) = await state.admit(draft, consumeBehaviour: refusal == nil && denial == nil && unknownPrevious == nil)
        } else {
            sequence = await state.nextUnrecordedSequence()
            behaviour = .normal
        }

        let exchange = FakeExchange(
            route: route, dialect: dialect, inspected: inspected, sequence: sequence,
            presentedKey: Self.presentedKey(dialect: dialect, headers: headers),
            apiVersion: Self.queryValue("api-version", in: query),
            channel: context.channel,
            priorTurns: priorTurns
        )
        if let unknownPrevious {
            return .document(status: 400, contentType: "application/json", headers: [("x-request-id", "req_fake" + FakeIDs.padded(sequence))], body: ResponsesWire.previousResponseNotFound(unknownPrevious))
        }
        if refusal == nil, let responses = inspected.responses, responses.store, inspected.rejection == nil,
           behaviour == .normal || { if case .slowStream = behaviour { true } else { false } }() {
            await state.storeResponse(FakeExchange.responseID(sequence), turns: priorTurns + 1)
        }
        if let denial {
            let rendered = BedrockWire.errorResponse(status: denial.status, type: denial.type, message: denial.message, sequence: sequence)
            return .document(status: rendered.status, contentType: "application/json", headers: rendered.headers, body: rendered.body)
        }
        if let refusal {
            return exchange.errorResponse(refusal)
        }
        return try await exchange.answer(with: behaviour, models: models)
    }

    // MARK: Dialect and credentials

    /// Which vendor's words to answer in. `/v1/models` and unknown paths are shared by OpenAI
    /// and Anthropic; an `x-api-key` without `Authorization` means an Anthropic client.
    static func dialect(of route: FakeRoute, headers: HTTPFields) -> WireDialect {
        switch route {
        case .openAIChat, .openAIEmbeddings, .openAIResponses: .openAI
        case .azureChat, .azureEmbeddings, .azureResponses, .azureUnknown: .azure
        case .anthropicMessages: .anthropic
        case .geminiGenerate, .geminiEmbed, .geminiUnknown: .gemini
        case .bedrockConverse, .bedrockUnknown: .bedrock
        case .models, .unknown:
            headers[FakeHeaderNames.xAPIKey] != nil && headers[.authorization] == nil ? .anthropic : .openAI
        }
    }

    static func presentedKey(dialect: WireDialect, headers: HTTPFields) -> String? {
        switch dialect {
        case .openAI:
            return bearerToken(headers)
        case .azure:
            return headers[FakeHeaderNames.apiKey] ?? bearerToken(headers)
        case .anthropic:
            return headers[FakeHeaderNames.xAPIKey]
        case .gemini:
            return headers[FakeHeaderNames.googAPIKey]
        case .bedrock:
            // The access key id of the SigV4 credential scope (never the secret, which is not sent).
            guard let authorization = headers[.authorization], let range = authorization.range(of: "Credential=") else { return nil }
            return String(authorization[range.upperBound...].prefix { $0 != "/" })
        }
    }

    private static func bearerToken(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let prefix = "Bearer "
        guard value.count > prefix.count, value.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        return String(value.dropFirst(prefix.count))
    }

    /// Why the vendor would refuse the request before doing any work, in the order the vendors
    /// check: the route itself, then the credential, then required headers.
    private func refusal(
        route: FakeRoute, method: String, path: String, dialect: WireDialect, headers: HTTPFields, query: String?
    ) -> FakeVendorError? {
        switch route {
        case .unknown:
            return .notFound(message: dialect == .anthropic ? "Not Found" : "Invalid URL (\(method) \(path))")
        case .azureUnknown:
            return .notFound(message: "Resource not found")
        case .geminiUnknown:
            return .notFound(message: "Method not found.")
        case .azureChat, .azureEmbeddings:
            if Self.queryValue("api-version", in: query) == nil {
                return .notFound(message: "Resource not found")
            }
        default:
            break
        }
        // Gemini also takes the key as `?key=`; the gateway must never put it in a URL.
        if dialect == .gemini, Self.queryValue("key", in: query) != nil { return .badRequest(message: "AAM fake: the API key was sent in the URL") }
        guard let presented = Self.presentedKey(dialect: dialect, headers: headers) else { return .missingAPIKey }
        guard presented == apiKey else { return .invalidAPIKey }
        if route == .anthropicMessages, headers[FakeHeaderNames.anthropicVersion] == nil {
            return .badRequest(message: "anthropic-version: header is required")
        }
        return nil
    }

    static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name, !parts[1].isEmpty { return String(parts[1]) }
        }
        return nil
    }
}
