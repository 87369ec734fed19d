import AAMCore
import AAMProviders
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// `POST /v1/responses` to a provider that speaks the Responses API itself (OpenAI, Azure
/// OpenAI): the body goes upstream with only `model` replaced, the answer comes back byte for
/// byte, stored responses and `previous_response_id` work as the vendor provides them, and every
/// control (records, budgets, guardrails) still applies. Real HTTP over loopback to the fake
/// vendor, through a real gateway.
@Suite("Responses API pass-through", .serialized)
struct ResponsesPassthroughTests {
    static let upstreamKey = AdapterConformanceTests.upstreamKey

    /// Usage the hand-made answers below report, and what the record and budgets must hold.
    static let plainUsage = (input: 1234, cached: 1000, output: 56)
    static let streamUsage = (input: 300, cached: 0, output: 21)

    /// A plain answer in an unusual (but valid) layout: key order, spacing and an unknown
    /// member the gateway must not touch.
    static let plainAnswer = """
        {"object": "response",  "id":"resp_handmade1", "created_at":1700000000,"status":"completed","x_vendor_extra":{"keep":[1,2.50,true]},
          "model":"gpt-4o-mini","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Bonjour \\u00e9t\\u00e9","annotations":[],"logprobs":[]}]}],
          "usage":{"input_tokens":1234,"input_tokens_details":{"cached_tokens":1000},"output_tokens":56,"output_tokens_details":{"reasoning_tokens":40},"total_tokens":1290}}

        """

    /// A stream as OpenAI frames it, with a keep-alive comment and a CRLF-framed event the
    /// gateway must pass on as they are.
    static let streamChunks: [String] = [
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_s1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\n\n",
        ": keep-alive\n\n",
        "event: response.in_progress\r\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":{\"id\":\"resp_s1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\r\n\r\n",
        "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":2,\"output_index\":0,\"item\":{\"id\":\"msg_s1\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}}\n\n",
        "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\",\"sequence_number\":3,\"item_id\":\"msg_s1\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],\"text\":\"\"}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_s1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\",\"logprobs\":[]}\n\n"
            + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":5,\"item_id\":\"msg_s1\",\"output_index\":0,\"content_index\":0,\"delta\":\"lo\",\"logprobs\":[]}\n\n",
        "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\",\"sequence_number\":6,\"item_id\":\"msg_s1\",\"output_index\":0,\"content_index\":0,\"text\":\"Hello\",\"logprobs\":[]}\n\n",
        "event: response.content_part.done\ndata: {\"type\":\"response.content_part.done\",\"sequence_number\":7,\"item_id\":\"msg_s1\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],\"text\":\"Hello\"}}\n\n",
        "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"sequence_number\":8,\"output_index\":0,\"item\":{\"id\":\"msg_s1\",\"type\":\"message\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"text\":\"Hello\"}],\"role\":\"assistant\"}}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"id\":\"resp_s1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"id\":\"msg_s1\",\"type\":\"message\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"text\":\"Hello\"}],\"role\":\"assistant\"}],\"usage\":{\"input_tokens\":300,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":21,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":321}}}\n\n",
    ]

    /// The request, with a member only the Responses API knows (a stored prompt would be
    /// refused on a translated route) and odd spacing the pass-through must keep.
    static func body(_ alias: String, stream: Bool, extra: String = "") -> String {
        #"{ "model" : "\#(alias)", "stream":\#(stream), "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Say hello"}]}],"include":["reasoning.encrypted_content"],"store":true\#(extra)}"#
    }

    static func configure(_ gateway: GatewayHarness, fake: FakeUpstream) async throws -> String {
        try await AdapterConformanceTests.configure(gateway, fake: fake)
    }

    @Test(arguments: ["via-openai", "via-azure"])
    func plainAnswerIsByteFaithfulAndBilledFromItsUsage(_ alias: String) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            let deployment = alias == "via-openai" ? "via-openai" : "via-azure"
            let deploymentID = try #require(gateway.gateway.runtime.snapshots.snapshot.state.deployments.values.first { $0.alias == deployment }?.id)
            try await gateway.adminOK(.PATCH, "/admin/deployments/\(deploymentID)", json: #"{"budgets":[{"period":"daily","tokens":100000}]}"#)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await fake.enqueue(.status(200, body: Self.plainAnswer))
            let sentBody = Self.body(alias, stream: false)
            let reply = try await gateway.call("/v1/responses", key: key, json: sentBody)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.bytes == Array(Self.plainAnswer.utf8), "the client gets the vendor's exact bytes: \(reply.text)")

            let received = try #require(await fake.receivedRequests().last)
            #expect(received.path == (alias == "via-openai" ? "/v1/responses" : "/openai/v1/responses"))
            let upstreamModel = alias == "via-openai" ? "gpt-4o-mini" : "gpt-4o"
            #expect(received.bodyText == sentBody.replacingOccurrences(of: #""\#(alias)""#, with: #""\#(upstreamModel)""#),
                    "only the model changed: \(received.bodyText)")

            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.endpoint == "/v1/responses")
            #expect(record.outcome == .success)
            #expect(record.promptTokens == Self.plainUsage.input)
            #expect(record.completionTokens == Self.plainUsage.output)
            let runtime = gateway.gateway.runtime
            let budget = try #require(runtime.snapshots.snapshot.state.deployments[deploymentID]?.budgets?.first)
            let settled = runtime.governance.usage(of: budget, on: GovernanceScope(.deployment, deploymentID), at: runtime.clock.now()).settled
            #expect(settled.tokens == Int64(Self.plainUsage.input + Self.plainUsage.output), "\(settled)")
        }
    }

    @Test(arguments: ["via-openai", "via-azure"])
    func streamIsByteFaithfulAndBilledFromResponseCompleted(_ alias: String) async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await fake.enqueue(.rawStream(Self.streamChunks))
            let reply = try await gateway.call("/v1/responses", key: key, json: Self.body(alias, stream: true))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(reply.text == Self.streamChunks.joined(), "the client gets the vendor's exact bytes")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.streamed)
            #expect(record.promptTokens == Self.streamUsage.input)
            #expect(record.completionTokens == Self.streamUsage.output)
        }
    }

    /// The fake's own answers (its real event sequence), plain and streamed, reach the client
    /// unchanged: same bytes as the fake gives a direct client for the same upstream body.
    @Test func fakeVendorAnswersPassUnchanged() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            for stream in [false, true] {
                let reply = try await gateway.call("/v1/responses", key: key, json: Self.body("via-openai", stream: stream))
                #expect(reply.status == 200, "\(reply.text)")
                let sent = try #require(await fake.receivedRequests().last)
                // The same upstream body, straight to the fake: only the sequence-numbered ids differ.
                let direct = try await Self.post(fake, path: "/v1/responses", body: sent.body)
                let normalise = { (text: String) in text.replacingOccurrences(of: #"fake\d{6}"#, with: "fakeN", options: .regularExpression) }
                #expect(normalise(reply.text) == normalise(direct), "stream \(stream)")
                if stream {
                    let events = sseEvents(reply.text).compactMap(\.event)
                    #expect(events.first == "response.created")
                    #expect(events.contains("response.output_text.delta"))
                    #expect(events.last == "response.completed")
                } else {
                    #expect(try reply.json()["object"] as? String == "response")
                }
            }
        }
    }

    @Test func previousResponseIDContinuesTheVendorsStoredConversation() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            let first = try await gateway.call("/v1/responses", key: key, json: #"{"model":"via-openai","input":"first question"}"#)
            #expect(first.status == 200, "\(first.text)")
            let id = try #require(try first.json()["id"] as? String)
            let second = try await gateway.call(
                "/v1/responses", key: key, json: #"{"model":"via-openai","input":"second question","previous_response_id":"\#(id)"}"#)
            #expect(second.status == 200, "\(second.text)")
            #expect(second.text.contains("[turn 2] second question"), "the vendor saw the stored turn: \(second.text)")
            let secondID = try #require(try second.json()["id"] as? String)
            let third = try await gateway.call(
                "/v1/responses", key: key, json: #"{"model":"via-openai","stream":true,"input":"third","previous_response_id":"\#(secondID)"}"#)
            #expect(third.status == 200)
            let text = sseEvents(third.text).filter { $0.event == "response.output_text.delta" }
                .compactMap { ResponsesEndpointTests.string($0.data, "delta") }.joined()
            #expect(text.contains("[turn 3] third"), "\(third.text)")

            // The vendor's own refusal of an id it does not hold reaches the client.
            let unknown = try await gateway.call("/v1/responses", key: key, json: #"{"model":"via-openai","input":"x","previous_response_id":"resp_nope"}"#)
            #expect(unknown.status == 400, "\(unknown.text)")
            #expect(unknown.text.contains("Previous response with id 'resp_nope' not found."), "\(unknown.text)")
        }
    }

    @Test func stateOnATranslatedOnlyAliasIsA400NamingTheFieldAndTheAlias() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            for field in [#""previous_response_id":"resp_1""#, #""conversation":"conv_1""#, #""background":true"#] {
                let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"via-anthropic","input":"hi",\#(field)}"#)
                #expect(reply.status == 400, "\(reply.text)")
                let error = try #require(try reply.json()["error"] as? [String: Any])
                let name = String(field.dropFirst().prefix { $0 != "\"" })
                #expect(error["param"] as? String == name)
                #expect(error["type"] as? String == "invalid_request_error")
                let message = error["message"] as? String ?? ""
                #expect(message.hasPrefix(name) && message.contains("'via-anthropic'") && message.contains("server-side state"), "\(message)")
            }
            #expect(await fake.receivedRequests().isEmpty, "nothing refused reaches a vendor")
        }
    }

    /// An alias with a translated and a pass-through deployment: a call with state only ever
    /// goes to the pass-through one; one without may go to either.
    @Test func stateRoutesOnlyToPassThroughDeployments() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            try await gateway.addDeployment(alias: "mixed", provider: "p-anthropic", model: "claude-sonnet-4-20250514", weight: 100, id: "mixed-claude")
            try await gateway.addDeployment(alias: "mixed", provider: "p-openai", model: "gpt-4o-mini", weight: 1, id: "mixed-openai")
            let first = try await gateway.call("/v1/responses", key: key, json: #"{"model":"via-openai","input":"hi"}"#)
            let id = try #require(try first.json()["id"] as? String)
            for _ in 0..<4 {
                let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"mixed","input":"again","previous_response_id":"\#(id)"}"#)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.header("x-aam-deployment") == "mixed-openai")
            }
            // The translated deployment takes a stateless call when the pass-through one fails.
            await fake.enqueue(.serverError, path: "/v1/responses")
            await fake.enqueue(.serverError, path: "/v1/responses")
            try await gateway.adminOK(.PATCH, "/admin/deployments/mixed-claude", json: #"{"weight":1}"#)
            var servedBy: Set<String> = []
            for _ in 0..<6 {
                let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"mixed","input":"stateless"}"#)
                #expect(reply.status == 200, "\(reply.text)")
                servedBy.insert(reply.header("x-aam-deployment") ?? "")
            }
            #expect(servedBy.contains("mixed-claude"), "\(servedBy)")
        }
    }

    /// The vendor's 429 on its Responses API (with its rate-limit headers) cools the deployment
    /// like a chat 429 and, with nothing else to try, reaches the client as a 429.
    @Test func aVendorRateLimitOnTheResponsesAPIIsAnUpstream429() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            let key = try await Self.configure(gateway, fake: fake)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await fake.enqueue(.rateLimited(retryAfterSeconds: 7), path: "/v1/responses")
            let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"via-openai","input":"hi"}"#)
            #expect(reply.status == 429, "\(reply.text)")
            #expect(try reply.errorCode() == "rate_limit_exceeded")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.attempts.map(\.status) == [429])
            #expect(record.outcome == .upstreamError)
        }
    }

    @Test func theProviderFlagOffTranslatesToChatAndRefusesState() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        defer { Task { await fake.stop() } }
        try await withGateway { gateway in
            try await gateway.addProvider("vllm", protocol: "openai", baseURL: fake.baseURL, credential: Self.upstreamKey, extra: #""responsesAPI":false"#)
            try await gateway.addDeployment(alias: "local", provider: "vllm", model: "gpt-4o-mini")
            let key = try await gateway.issueKey().secret
            let shown = try await gateway.adminOK(.GET, "/admin/providers/vllm")
            #expect(shown["responsesAPI"] as? Bool == false, "\(shown)")

            let reply = try await gateway.call("/v1/responses", key: key, json: #"{"model":"local","input":"Say hello"}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try reply.json()["object"] as? String == "response")
            #expect(await fake.receivedRequests(path: "/v1/chat/completions").count == 1)
            #expect(await fake.receivedRequests(path: "/v1/responses").isEmpty)

            let stateful = try await gateway.call("/v1/responses", key: key, json: #"{"model":"local","input":"hi","previous_response_id":"resp_1"}"#)
            #expect(stateful.status == 400)
            #expect(try stateful.json()["error"].flatMap { ($0 as? [String: Any])?["param"] as? String } == "previous_response_id")

            // Turned back on, the same provider passes through.
            try await gateway.adminOK(.PATCH, "/admin/providers/vllm", json: #"{"responsesAPI":true}"#)
            let passed = try await gateway.call("/v1/responses", key: key, json: #"{"model":"local","input":"Say hello"}"#)
            #expect(passed.status == 200, "\(passed.text)")
            #expect(await fake.receivedRequests(path: "/v1/responses").count == 1)

            // Only the protocols with a Responses endpoint take the flag.
            let refused = try await gateway.admin(
                .POST, "/admin/providers", json: #"{"name":"an2","protocol":"anthropic","baseURL":"\#(fake.baseURL)","responsesAPI":true}"#)
            #expect(refused.status == 400, "\(refused.text)")
            #expect(refused.text.contains("responsesAPI"))
        }
    }

    /// Response guardrails on the pass-through stream: redacted deltas, the whole texts in the
    /// `.done` events and the final response equal to what the deltas delivered, the events
    /// renumbered without a gap; a block mid-stream ends with `error` + `response.failed` and
    /// is recorded as blocked.
    @Test func responseGuardrailsOnThePassThroughStream() async throws {
        try await GuardrailFixture.run { f in
            let email = GuardrailFixture.email
            try await f.put("org:acme", #"{"response":{"email":"redact"}}"#)
            let redacted = try await f.gateway.call("/v1/responses", key: f.key, json: #"{"model":"chat","stream":true,"input":"write to \#(email) now"}"#)
            #expect(redacted.status == 200)
            #expect(await f.received("/v1/responses").count == 1, "passed through")
            #expect(!redacted.text.contains(email), "\(redacted.text)")
            let events = try sseEvents(redacted.text).filter { $0.event != nil }.map { event in
                try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
            }
            #expect(events.map { $0["sequence_number"] as? Int } == Array(0..<events.count).map(Optional.some), "renumbered without a gap")
            let deltas = events.filter { $0["type"] as? String == "response.output_text.delta" }.compactMap { $0["delta"] as? String }.joined()
            #expect(deltas.hasSuffix("write to [EMAIL] now"), "\(deltas)")
            let done = try #require(events.first { $0["type"] as? String == "response.output_text.done" })
            #expect(done["text"] as? String == deltas)
            let completed = try #require(events.last)
            #expect(completed["type"] as? String == "response.completed")
            let output = ((completed["response"] as? [String: Any])?["output"] as? [[String: Any]])?.first
            #expect(((output?["content"] as? [[String: Any]])?.first?["text"] as? String) == deltas)

            try await f.put("org:acme", #"{"response":{"email":"block"}}"#)
            let subscription = f.gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let blocked = try await f.gateway.call("/v1/responses", key: f.key, json: #"{"model":"chat","stream":true,"input":"write to \#(email) now"}"#)
            #expect(blocked.status == 200)
            #expect(!blocked.text.contains(email))
            let tail = try sseEvents(blocked.text).filter { $0.event != nil }.map { event in
                try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
            }
            #expect(tail.contains { $0["type"] as? String == "response.output_text.delta" }, "text before the match was delivered")
            #expect(tail.suffix(2).map { $0["type"] as? String } == ["error", "response.failed"], "\(blocked.text)")
            #expect(tail.map { $0["sequence_number"] as? Int } == Array(0..<tail.count).map(Optional.some))
            #expect(tail[tail.count - 2]["code"] as? String == "guardrail_blocked")
            let record = try await GatewayHarness.record(try #require(blocked.header("x-request-id")), on: subscription)
            #expect(record.errorClass == "guardrail_blocked")
            #expect(record.guardrails.contains { $0.action == .block })
        }
    }

    /// A request guardrail's redaction reaches the vendor's Responses API, and only the
    /// redacted text changed.
    @Test func requestRedactionReachesThePassThroughUpstream() async throws {
        try await GuardrailFixture.run { f in
            let email = GuardrailFixture.email
            try await f.put("org:acme", #"{"request":{"email":"redact"}}"#)
            let reply = try await f.gateway.call(
                "/v1/responses", key: f.key, json: #"{"model":"chat","instructions":"Reply to \#(email)","input":"mail \#(email)","store":false}"#)
            #expect(reply.status == 200, "\(reply.text)")
            let sent = try #require(await f.received("/v1/responses").first)
            #expect(sent == #"{"model":"gpt-4o-mini","instructions":"Reply to [EMAIL]","input":"mail [EMAIL]","store":false}"#, "\(sent)")
        }
    }

    /// The dialects with a Responses endpoint are exactly the protocols the flag is allowed on.
    @Test func responsesEndpointsMatchTheFlagsProtocols() {
        for wire in ProviderProtocol.allCases {
            let provider = ProviderConfig(name: "p", wireProtocol: wire, baseURL: "https://example.test", apiVersion: "2024-10-21")
            #expect((wire.dialect.responsesURL(provider) != nil) == ProviderConfig.protocolsWithResponsesAPI.contains(wire), "\(wire)")
            #expect(provider.speaksResponsesAPI == ProviderConfig.protocolsWithResponsesAPI.contains(wire))
            #expect((provider.responsesBridge is OpenAIResponsesPassthroughBridge) == provider.speaksResponsesAPI, "\(wire)")
            var off = provider
            off.responsesAPI = false
            #expect(!off.speaksResponsesAPI)
            #expect(!(off.responsesBridge is OpenAIResponsesPassthroughBridge), "turned off: the chat bridge of the translated request")
        }
        let azure = ProviderConfig(name: "az", wireProtocol: .azureOpenAI, baseURL: "https://res.openai.azure.com/", apiVersion: "2024-10-21")
        #expect(azure.wireProtocol.dialect.responsesURL(azure) == "https://res.openai.azure.com/openai/v1/responses")
        let openAI = ProviderConfig(name: "oa", wireProtocol: .openai, baseURL: "https://api.openai.com")
        #expect(openAI.wireProtocol.dialect.responsesURL(openAI) == "https://api.openai.com/v1/responses")
    }

    /// A direct POST to the fake (no gateway): its answer to `body`.
    static func post(_ fake: FakeUpstream, path: String, body: [UInt8]) async throws -> String {
        var request = HTTPClientRequest(url: fake.baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "authorization", value: "Bearer \(upstreamKey)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
