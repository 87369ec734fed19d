import AAMCore
import AAMTesting
import Foundation
import NIOHTTP1
import Testing

/// The two inbound chat routes, with a valid body for each.
enum InboundRoute: String, CaseIterable, Sendable, CustomStringConvertible {
    case chat = "/v1/chat/completions"
    case messages = "/v1/messages"

    var description: String { rawValue }
    var path: String { rawValue }

    /// A minimal valid request for `model` on this route.
    func body(model: String) -> String {
        switch self {
        case .chat: #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}]}"#
        case .messages: #"{"model":"\#(model)","max_tokens":32,"messages":[{"role":"user","content":"Say hello"}]}"#
        }
    }
}

/// Assertions on error replies, in the exact shape of the route that produced them.
extension GatewayHarness.Reply {
    /// The top-level JSON object, or nil (and a recorded issue) when the body is not one.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            Issue.record("body is not a JSON object: \(text)", sourceLocation: sourceLocation)
            return nil
        }
        return object
    }

    /// Checks an OpenAI-shaped error `{"error":{"message","type","code","param"}}` with exactly
    /// these members, the status, and `x-request-id`; returns the message.
    @discardableResult
    func expectOpenAIError(
        _ status: Int, type: String, code: String?, param: String? = nil, messageContains: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        #expect(self.status == status, "expected \(status), got \(self.status): \(text)", sourceLocation: sourceLocation)
        #expect(header("x-request-id")?.isEmpty == false, "no x-request-id on \(self.status)", sourceLocation: sourceLocation)
        #expect(header("content-type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        guard let object = jsonObject(sourceLocation: sourceLocation) else { return "" }
        #expect(Array(object.keys) == ["error"], "top level must be only 'error': \(text)", sourceLocation: sourceLocation)
        guard let error = object["error"] as? [String: Any] else {
            Issue.record("no error object: \(text)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(Set(error.keys) == ["message", "type", "code", "param"], "members: \(text)", sourceLocation: sourceLocation)
        #expect(error["type"] as? String == type, "type in \(text)", sourceLocation: sourceLocation)
        if let code {
            #expect(error["code"] as? String == code, "code in \(text)", sourceLocation: sourceLocation)
        } else {
            #expect(error["code"] is NSNull, "code should be null in \(text)", sourceLocation: sourceLocation)
        }
        if let param {
            #expect(error["param"] as? String == param, "param in \(text)", sourceLocation: sourceLocation)
        }
        let message = error["message"] as? String ?? ""
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
        for fragment in messageContains {
            #expect(message.contains(fragment), "message '\(message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
        return message
    }

    /// Anthropic's error `type` for a status (its documented set).
    static func anthropicType(for status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        default: "api_error"
        }
    }

    /// Checks an Anthropic-shaped error `{"type":"error","error":{"type","message"}}`, the
    /// status, and `x-request-id`; returns the message.
    @discardableResult
    func expectAnthropicError(
        _ status: Int, type: String? = nil, messageContains: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        #expect(self.status == status, "expected \(status), got \(self.status): \(text)", sourceLocation: sourceLocation)
        #expect(header("x-request-id")?.isEmpty == false, "no x-request-id on \(self.status)", sourceLocation: sourceLocation)
        #expect(header("content-type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        guard let object = jsonObject(sourceLocation: sourceLocation) else { return "" }
        #expect(Set(object.keys) == ["type", "error"], "top level: \(text)", sourceLocation: sourceLocation)
        #expect(object["type"] as? String == "error", sourceLocation: sourceLocation)
        guard let error = object["error"] as? [String: Any] else {
            Issue.record("no error object: \(text)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(Set(error.keys) == ["type", "message"], "members: \(text)", sourceLocation: sourceLocation)
        #expect(error["type"] as? String == (type ?? Self.anthropicType(for: status)), "type in \(text)", sourceLocation: sourceLocation)
        let message = error["message"] as? String ?? ""
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
        for fragment in messageContains {
            #expect(message.contains(fragment), "message '\(message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
        return message
    }

    /// Checks the error in the shape of `route`: OpenAI `type`/`code`/`param`, or Anthropic's
    /// type for the status; the message must contain every fragment (and `param`, if given, on
    /// the Anthropic route, where there is no `param` member).
    @discardableResult
    func expectError(
        on route: InboundRoute, _ status: Int, openAIType: String, code: String?, param: String? = nil,
        messageContains: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        switch route {
        case .chat:
            return expectOpenAIError(
                status, type: openAIType, code: code, param: param, messageContains: messageContains, sourceLocation: sourceLocation)
        case .messages:
            return expectAnthropicError(status, messageContains: messageContains + (param.map { [$0] } ?? []), sourceLocation: sourceLocation)
        }
    }

    /// `x-request-id` (recording an issue when absent).
    func requestID(sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let id = header("x-request-id")
        #expect(id?.isEmpty == false, "no x-request-id", sourceLocation: sourceLocation)
        return id ?? ""
    }
}

extension GatewayHarness {
    /// One simulated provider serving `aliases` (fast, no network), for tests about the
    /// gateway's own behaviour rather than the vendor's.
    func addSimulatedAliases(_ aliases: [String], provider: String = "sim") async throws {
        try await addProvider(
            provider, protocol: "simulated",
            extra: #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":6,"errorRate":0}"#)
        for alias in aliases { try await addDeployment(alias: alias, provider: provider, model: "sim-model") }
    }

    /// Sends `route`'s valid body for `model` with the key as a bearer token.
    func chat(_ route: InboundRoute, model: String, key: String?) async throws -> Reply {
        try await call(route.path, key: key, json: route.body(model: model))
    }

    /// A chat or messages call that must succeed (200 in the route's own success shape).
    @discardableResult
    func expectServed(
        _ route: InboundRoute, model: String, key: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        let reply = try await chat(route, model: model, key: key)
        #expect(reply.status == 200, "\(route) \(model) -> \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        if reply.status == 200 {
            let expected = route == .chat ? ("object", "chat.completion") : ("type", "message")
            #expect(reply.jsonObject(sourceLocation: sourceLocation)?[expected.0] as? String == expected.1, sourceLocation: sourceLocation)
        }
        return reply
    }
}

/// Starts fakes, runs `body`, and stops them whatever happens (before returning).
func withFakeUpstreams<T>(
    count: Int, apiKey: String, _ body: ([FakeUpstream]) async throws -> T
) async throws -> T {
    var fakes: [FakeUpstream] = []
    do {
        for _ in 0..<count { fakes.append(try await FakeUpstream.start(apiKey: apiKey)) }
        let result = try await body(fakes)
        for fake in fakes { await fake.stop() }
        return result
    } catch {
        for fake in fakes { await fake.stop() }
        throw error
    }
}
