import AAMCore
import AAMTesting
import Foundation
import Testing

/// One conformance suite over every provider adapter (openai, azure-openai, anthropic,
/// simulated, gemini, bedrock) and both inbound APIs, plain and streamed, over real loopback HTTP.
@Suite("Adapter conformance", .serialized)
struct AdapterConformanceTests {
    static let upstreamKey = "sk-upstream-secret-abc123"
    static let aliases = ["via-openai", "via-azure", "via-anthropic", "via-simulated", "via-gemini", "via-bedrock"]
    /// The provider protocol behind each alias above, in order: a new vendor adds a row here.
    static let protocols = ["openai", "azure-openai", "anthropic", "simulated", "gemini", "bedrock"]

    /// Adding a vendor protocol without its conformance row fails here.
    @Test func everyProviderProtocolHasARow() {
        #expect(Set(Self.protocols) == Set(ProviderProtocol.allCases.map(\.rawValue)))
        #expect(Self.protocols.count == Self.aliases.count)
    }

    struct Case: CustomStringConvertible, Sendable {
        var alias: String
        var inbound: String
        var stream: Bool
        var description: String { "\(alias) <- \(inbound)\(stream ? " stream" : "")" }
    }

    static let cases: [Case] = aliases.flatMap { alias in
        ["/v1/chat/completions", "/v1/messages"].flatMap { inbound in [false, true].map { Case(alias: alias, inbound: inbound, stream: $0) } }
    }

    /// Sets up the providers against one fake vendor.
    static func configure(_ gateway: GatewayHarness, fake: FakeUpstream) async throws -> String {
        try await gateway.addProvider("p-openai", protocol: "openai", baseURL: fake.baseURL, credential: upstreamKey)
        try await gateway.addProvider("p-azure", protocol: "azure-openai", baseURL: fake.baseURL, credential: upstreamKey, extra: #""apiVersion":"2024-10-21""#)
        try await gateway.addProvider("p-anthropic", protocol: "anthropic", baseURL: fake.baseURL, credential: upstreamKey)
        try await gateway.addProvider("p-simulated", protocol: "simulated", extra: #""simulation":{"ttftMs":5,"tokensPerSecond":5000,"completionTokens":12,"errorRate":0}"#)
        try await gateway.addDeployment(alias: "via-openai", provider: "p-openai", model: "gpt-4o-mini")
        try await gateway.addDeployment(alias: "via-azure", provider: "p-azure", model: "gpt-4o")
        try await gateway.addDeployment(alias: "via-anthropic", provider: "p-anthropic", model: "claude-sonnet-4-20250514")
        try await gateway.addDeployment(alias: "via-simulated", provider: "p-simulated", model: "sim-model")
        try await gateway.addProvider("p-gemini", protocol: "gemini", baseURL: fake.baseURL, credential: upstreamKey)
        try await gateway.addDeployment(alias: "via-gemini", provider: "p-gemini", model: "gemini-2.0-flash")
        // Bedrock signs with the key's secret (the fake verifies it); the secret is never sent.
        try await gateway.addProvider(
            "p-bedrock", protocol: "bedrock", baseURL: fake.baseURL, credential: FakeUpstream.bedrockAccessKeyID + ":" + upstreamKey,
            extra: #""region":"us-east-1""#)
        try await gateway.addDeployment(alias: "via-bedrock", provider: "p-bedrock", model: "anthropic.claude-3-haiku-20240307-v1:0")
        return try await gateway.issueKey().secret
    }

    @Test(arguments: cases)
    func answersInTheInboundProtocol(_ testCase: Case) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let anthropic = testCase.inbound == "/v1/messages"
            let body = anthropic
                ? #"{"model":"\#(testCase.alias)","max_tokens":64,"stream":\#(testCase.stream),"system":"Be brief.","messages":[{"role":"user","content":"Say hello"}]}"#
                : #"{"model":"\#(testCase.alias)","stream":\#(testCase.stream),"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]}"#
            let reply = try await gateway.call(testCase.inbound, key: key, json: body)
            #expect(reply.status == 200, "\(reply.text)")
            let provider = "p-" + testCase.alias.dropFirst(4)
            #expect(reply.header("x-aam-provider") == provider)
            #expect(reply.header("x-aam-deployment") == "\(testCase.alias).\(provider)")
            let requestID = try #require(reply.header("x-request-id"))
            if testCase.stream {
                #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
                let events = sseEvents(reply.text)
                if anthropic {
                    #expect(events.first?.event == "message_start")
                    #expect(events.last?.event == "message_stop")
                    let text = events.filter { $0.event == "content_block_delta" }.compactMap { Self.field($0.data, "delta", "text") }.joined()
                    #expect(!text.isEmpty)
                } else {
                    #expect(events.last?.data == "[DONE]")
                    let text = events.dropLast().compactMap { Self.openAIDelta($0.data) }.joined()
                    #expect(!text.isEmpty)
                    // The client did not ask for usage, so the usage-only chunk is not forwarded.
                    #expect(!events.contains { $0.data.contains(#""choices":[]"#) && $0.data.contains(#""usage":{"#) })
                }
            } else {
                let json = try reply.json()
                if anthropic {
                    #expect(json["type"] as? String == "message")
                    let content = try #require(json["content"] as? [[String: Any]])
                    #expect((content.first?["text"] as? String)?.isEmpty == false)
                    #expect(((json["usage"] as? [String: Any])?["input_tokens"] as? Int ?? 0) > 0)
                } else {
                    #expect(json["object"] as? String == "chat.completion")
                    let choices = try #require(json["choices"] as? [[String: Any]])
                    #expect(((choices.first?["message"] as? [String: Any])?["content"] as? String)?.isEmpty == false)
                    #expect(((json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0) > 0)
                }
            }
            let record = try await GatewayHarness.record(requestID, on: subscription)
            #expect(record.outcome == .success)
            #expect(record.provider == provider)
            #expect(record.streamed == testCase.stream)
            #expect(record.completionTokens > 0)
            #expect(record.promptTokens > 0)
            if testCase.alias != "via-simulated" {
                // The vendor got the sealed credential, never the client's virtual key.
                let received = try #require(await fake.receivedRequests().last)
                if testCase.alias == "via-bedrock" {
                    #expect(received.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=\(FakeUpstream.bedrockAccessKeyID)/") == true)
                    #expect(!received.headers.contains { $0.value.contains(Self.upstreamKey) }, "a SigV4 secret is never sent")
                } else {
                    let presented = received.header("authorization") ?? received.header("x-api-key") ?? received.header("api-key")
                        ?? received.header("x-goog-api-key")
                    #expect(presented?.contains(Self.upstreamKey) == true)
                }
                #expect(!received.headers.contains { $0.value.contains(key) })
                #expect(!received.bodyText.contains(testCase.alias), "the alias must be replaced by the upstream model")
            }
        }
    }

    static func field(_ data: String, _ outer: String, _ inner: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
        return (object[outer] as? [String: Any])?[inner] as? String
    }

    static func openAIDelta(_ data: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any],
            let choices = object["choices"] as? [[String: Any]], let delta = choices.first?["delta"] as? [String: Any]
        else { return nil }
        return delta["content"] as? String
    }
}
