import AAMCore
import AAMTesting
import Foundation
import Testing

/// A gateway with an OpenAI-protocol alias `chat` and an Anthropic-protocol alias `claude` on
/// one echoing fake vendor, and a key in org `acme`.
struct GuardrailFixture {
    static let upstreamKey = "sk-upstream-guardrail-key"
    static let email = "jane.doe@example.com"
    static let apiKey = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv"

    let gateway: GatewayHarness
    let fake: FakeUpstream
    let keyID: String
    let key: String

    static func run(_ body: (GuardrailFixture) async throws -> Void) async throws {
        let fake = try await FakeUpstream.start(apiKey: upstreamKey)
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("oa", protocol: "openai", baseURL: fake.baseURL, credential: upstreamKey)
                try await gateway.addProvider("an", protocol: "anthropic", baseURL: fake.baseURL, credential: upstreamKey)
                try await gateway.addDeployment(alias: "chat", provider: "oa", model: "gpt-4o-mini", id: "chat-oa")
                try await gateway.addDeployment(alias: "claude", provider: "an", model: "claude-sonnet-4-20250514", id: "claude-an")
                let (id, secret) = try await gateway.issueKey()
                try await body(GuardrailFixture(gateway: gateway, fake: fake, keyID: id, key: secret))
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    func put(_ scope: String, _ json: String) async throws {
        try await gateway.adminOK(.PUT, "/admin/guardrails/\(scope)", json: json)
    }

    func openAI(_ text: String, stream: Bool = false, key: String? = nil) async throws -> GatewayHarness.Reply {
        let body = #"{"model":"chat","stream":\#(stream),"messages":[{"role":"user","content":\#(Self.quoted(text))}]}"#
        return try await gateway.call("/v1/chat/completions", key: key ?? self.key, json: body)
    }

    func anthropic(_ text: String, stream: Bool = false) async throws -> GatewayHarness.Reply {
        let body = #"{"model":"claude","max_tokens":200,"stream":\#(stream),"messages":[{"role":"user","content":[{"type":"text","text":\#(Self.quoted(text))}]}]}"#
        return try await gateway.call("/v1/messages", key: key, json: body)
    }

    func received(_ path: String) async -> [String] {
        await fake.receivedRequests(path: path).map { String(decoding: $0.body, as: UTF8.self) }
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    /// The text deltas of an OpenAI or Anthropic stream, joined.
    static func streamedText(_ reply: GatewayHarness.Reply) -> String {
        sseEvents(reply.text).compactMap { event -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else { return nil }
            if let choices = object["choices"] as? [[String: Any]] {
                return choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
            }
            return (object["delta"] as? [String: Any])?["text"] as? String
        }.joined()
    }
}
