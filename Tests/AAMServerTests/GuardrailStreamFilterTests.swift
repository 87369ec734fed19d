import AAMCore
import AAMServer
import AAMTesting
import AAMProviders
import Foundation
import Testing

@testable import AAMServer

/// The stream filter over client-bound events: an e-mail split at every position across two
/// deltas never reaches the output, in both protocols.
@Suite("Guardrails: stream filter")
struct GuardrailStreamFilterTests {
    static let email = "jane.doe@example.com"
    static let engine = try! GuardrailEngine(policy: EffectiveGuardrailPolicy(chain: [GuardrailPolicy(response: [.email: .redact])]))

    static func openAIChunk(_ delta: String, finish: String? = nil) -> [UInt8] {
        let json: WireJSON = [
            "id": "c1", "object": "chat.completion.chunk",
            "choices": [["index": 0, "delta": delta.isEmpty ? [:] : ["content": .string(delta)], "finish_reason": finish.map(WireJSON.string) ?? nil]],
        ]
        return SSEEvent(data: json.serializedString()).encoded()
    }

    static func anthropicDelta(_ text: String) -> [UInt8] {
        let json: WireJSON = ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string(text)]]
        return SSEEvent(event: "content_block_delta", data: json.serializedString()).encoded()
    }

    static func deltaText(_ bytes: [UInt8]) -> String {
        var parser = SSEParser()
        return ((try? parser.append(bytes)) ?? []).compactMap { event -> String? in
            guard let json = try? WireJSON.parse(event.data) else { return nil }
            if let choice = json["choices"]?.arrayValue?.first { return choice["delta"]?["content"]?.stringValue }
            return json["delta"]?["text"]?.stringValue
        }.joined()
    }

    @Test("OpenAI: every split of an e-mail across two deltas is redacted before [DONE]")
    func openAISplits() throws {
        let text = "mail \(Self.email) now"
        for cut in 6..<(5 + Self.email.utf8.count) {
            var filter = GuardrailStreamFilter(engine: Self.engine, wire: .openAIChat)
            let head = String(decoding: Array(text.utf8)[..<cut], as: UTF8.self)
            let tail = String(decoding: Array(text.utf8)[cut...], as: UTF8.self)
            var out: [UInt8] = []
            // Cut the event bytes themselves too: the filter reassembles SSE events.
            let events = Self.openAIChunk(head) + Self.openAIChunk(tail) + Self.openAIChunk("", finish: "stop") + SSEEvent.openAIDone.encoded()
            for piece in stride(from: 0, to: events.count, by: 7).map({ Array(events[$0..<min(events.count, $0 + 7)]) }) {
                out += try filter.process(piece)
            }
            out += filter.finish()
            let output = String(decoding: out, as: UTF8.self)
            #expect(!output.contains("example"), "cut \(cut)")
            #expect(Self.deltaText(out) == "mail [EMAIL] now", "cut \(cut)")
            #expect(output.hasSuffix("data: [DONE]\n\n"))
            #expect(filter.decisions.map(\.count) == [1])
        }
    }

    @Test("Anthropic: held text is flushed as a delta before content_block_stop")
    func anthropicSplits() throws {
        let text = "mail \(Self.email)"
        for cut in 6..<text.utf8.count {
            var filter = GuardrailStreamFilter(engine: Self.engine, wire: .anthropicMessages)
            let bytes = Array(text.utf8)
            var out = try filter.process(Self.anthropicDelta(String(decoding: bytes[..<cut], as: UTF8.self)))
            out += try filter.process(Self.anthropicDelta(String(decoding: bytes[cut...], as: UTF8.self)))
            out += try filter.process(SSEEvent(event: "content_block_stop", data: #"{"type":"content_block_stop","index":0}"#).encoded())
            let output = String(decoding: out, as: UTF8.self)
            #expect(!output.contains("example"), "cut \(cut)")
            #expect(Self.deltaText(out) == "mail [EMAIL]", "cut \(cut)")
            #expect(output.hasSuffix("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"))
        }
    }

    @Test("tool-call arguments are a channel of their own")
    func toolArguments() throws {
        var filter = GuardrailStreamFilter(engine: Self.engine, wire: .openAIChat)
        func chunk(_ arguments: String) -> [UInt8] {
            let json: WireJSON = ["choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": .string(arguments)]]]]]]]
            return SSEEvent(data: json.serializedString()).encoded()
        }
        var out = try filter.process(chunk(#"{"to":"jane.doe@exa"#))
        out += try filter.process(chunk(#"mple.com"}"#))
        out += try filter.process(Self.openAIChunk("", finish: "tool_calls"))
        let output = String(decoding: out, as: UTF8.self)
        #expect(!output.contains("example"))
        #expect(output.contains("[EMAIL]"))
        #expect(filter.decisions.map(\.location) == ["choices[0].delta.tool_calls[0].function.arguments"])
    }
}

/// Hits on a stream reach the bus while the stream is still running, as soon as the matched
/// text leaves the hold-back window.
@Suite("Guardrails: live stream hits", .serialized)
struct GuardrailLiveHitTests {
    @Test func aStreamedHitIsPublishedBeforeTheStreamEnds() async throws {
        let fake = try await FakeUpstream.start(apiKey: GuardrailFixture.upstreamKey)
        let gateway = try await GatewayHarness.start { $0.dataPlane.guardrailWindowBytes = 16 }
        do {
            try await gateway.addProvider("oa", protocol: "openai", baseURL: fake.baseURL, credential: GuardrailFixture.upstreamKey)
            try await gateway.addDeployment(alias: "chat", provider: "oa", model: "gpt-4o-mini", id: "chat-oa")
            let key = try await gateway.issueKey().secret
            try await gateway.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"response":{"email":"redact"}}"#)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            await fake.enqueue(.slowStream(gapMs: 150))
            let prompt = "\(GuardrailFixture.email) one two three four five six seven eight nine ten"
            let body = #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"\#(prompt)"}]}"#
            let request = Task { try await gateway.call("/v1/chat/completions", key: key, json: body) }
            var hit: GuardrailDecision?
            for await event in subscription.events {
                if case .guardrailHit(_, let decision) = event { hit = decision; break }
            }
            let hitAt = ContinuousClock.now
            #expect(hit?.detector == .email)
            #expect(hit?.action == .redact)
            let reply = try await request.value
            // Several words (150 ms apart) and the closing events were still to come.
            #expect(ContinuousClock.now - hitAt > .milliseconds(400))
            #expect(reply.status == 200)
            #expect(!reply.text.contains(GuardrailFixture.email))
            var total = hit?.count ?? 0
            var record: CallRecord?
            for await event in subscription.events {
                if case .guardrailHit(_, let decision) = event { total += decision.count }
                if case .call(let call) = event { record = call; break }
            }
            #expect(record?.guardrails.first { $0.detector == .email }?.count == total)
        } catch {
            await gateway.stop(); await fake.stop()
            throw error
        }
        await gateway.stop(); await fake.stop()
    }
}
