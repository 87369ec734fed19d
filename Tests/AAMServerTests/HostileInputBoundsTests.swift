import AAMControlProtocol
import AAMCore
import AAMProviders
import AAMTesting
import Foundation
import Testing

/// Issue 13 items 2 and 3 and the lower SSE/usage items, over real HTTP against the in-process
/// gateway (the real `aamd` gets the same attacks in `AdversarialDaemonTests`): each request once
/// trapped the daemon; now each gets a clear answer and the next honest call still works.
@Suite("Hostile input bounds", .serialized)
struct HostileInputBoundsTests {
    static let upstreamKey = "sk-upstream-bounds"
    static let honest = #"{"model":"chat","max_tokens":16,"messages":[{"role":"user","content":"hello"}]}"#

    /// A key with every governance limit on, so every piece of estimate and settle arithmetic runs.
    static func governedKey(_ gateway: GatewayHarness) async throws -> String {
        try await gateway.issueKey(extra: #""rpm":1000,"tpm":100000000,"budgets":[{"period":"daily","tokens":1000000000}]"#).secret
    }

    @Test func anOutputCapOfIntMaxIsA400NamingTheField() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await Self.governedKey(gateway)
            for (path, field) in [
                ("/v1/chat/completions", "max_tokens"), ("/v1/chat/completions", "max_completion_tokens"), ("/v1/messages", "max_tokens"),
            ] {
                let body = #"{"model":"chat","\#(field)":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}"#
                let reply = try await gateway.call(path, key: key, json: body)
                #expect(reply.status == 400, "\(path) \(field): \(reply.text)")
                #expect(reply.text.contains(field))
                if path == "/v1/chat/completions" {
                    let error = try #require(try reply.json()["error"] as? [String: Any])
                    #expect(error["param"] as? String == field)
                    #expect(error["code"] as? String == "integer_above_max_value")
                    #expect(error["type"] as? String == "invalid_request_error")
                }
            }
            for bad in ["-1", "1.5", "\"100\"", "100000001"] {
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"chat","max_tokens":\#(bad),"messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.status == 400, "max_tokens \(bad): \(reply.text)")
            }
            let fine = try await gateway.call("/v1/chat/completions", key: key, json: Self.honest)
            #expect(fine.status == 200, "\(fine.text)")
        }
    }

    @Test func aMegabyteModelIsA400AndIsNotRecorded() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await Self.governedKey(gateway)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let model = String(repeating: "/", count: 1_200_000)
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 400)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["param"] as? String == "model")
            #expect(error["code"] as? String == "string_above_max_length")
            #expect(reply.text.utf8.count < 1024, "the answer does not echo the model back")
            let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
            #expect(record.alias == nil, "an invalid model is not recorded")
            #expect(record.status == 400)
            // At the cap, an unknown model is recorded as sent (it is short enough to show).
            let atCap = String(repeating: "m", count: 256)
            let unknown = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"\#(atCap)","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(unknown.status == 404)
            #expect(try await GatewayHarness.record(try #require(unknown.header("x-request-id")), on: subscription).alias == atCap)
            #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.honest).status == 200)
        }
    }

    @Test func unknownModelsCountAgainstTheKeysRPM() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""rpm":2"#).secret
            for index in 0..<2 {
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"no-such-\#(index)","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.status == 404, "\(reply.text)")
            }
            let third = try await gateway.call("/v1/chat/completions", key: key, json: #"{"model":"no-such-2","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(third.status == 429, "\(third.text)")
            #expect(try third.errorCode() == "rate_limit_exceeded")
            #expect(third.header("retry-after") != nil)
            // The same minute's allowance is shared with real calls, embeddings included.
            #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.honest).status == 429)
            let embeddings = try await gateway.call("/v1/embeddings", key: key, json: #"{"model":"nope","input":"x"}"#)
            #expect(embeddings.status == 429)
        }
    }

    /// An upstream that reports `Int.max` tokens: clamped, and every sum (record, budgets, TPM,
    /// spend view) saturates instead of trapping.
    @Test func anUpstreamReportingIntMaxTokensCannotOverflowTheSums() async throws {
        let upstream = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("vendor", protocol: "openai", baseURL: upstream.baseURL, credential: Self.upstreamKey)
                try await gateway.addDeployment(alias: "chat", provider: "vendor", model: "gpt-4o-mini")
                let key = try await Self.governedKey(gateway)
                let subscription = gateway.gateway.runtime.bus.subscribe()
                defer { subscription.cancel() }
                let usage = #""usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"total_tokens":9223372036854775807}"#
                await upstream.enqueue(.status(200, body: #"{"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],\#(usage)}"#))
                let plain = try await gateway.call("/v1/chat/completions", key: key, json: Self.honest)
                #expect(plain.status == 200, "\(plain.text)")
                let record = try await GatewayHarness.record(try #require(plain.header("x-request-id")), on: subscription)
                #expect(record.promptTokens == TokenUsage.maximumCount && record.completionTokens == TokenUsage.maximumCount)
                // Streamed: the usage chunk of an OpenAI stream, translated for an Anthropic client too.
                let chunk = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}"# + "\n\n"
                let last = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
                let usageChunk = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],\#(usage)}"# + "\n\n"
                for path in ["/v1/chat/completions", "/v1/messages"] {
                    await upstream.enqueue(.rawStream([chunk, last, usageChunk, "data: [DONE]\n\n"]))
                    // A fresh key each time: the first call spent the whole budget of `key`.
                    let streamed = try await gateway.call(path, key: try await Self.governedKey(gateway), json: #"{"model":"chat","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(streamed.status == 200, "\(path): \(streamed.text)")
                    let streamedRecord = try await GatewayHarness.record(try #require(streamed.header("x-request-id")), on: subscription)
                    #expect(streamedRecord.promptTokens == TokenUsage.maximumCount, "\(path)")
                }
                // The budget is spent, and says so without having wrapped.
                #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.honest).status == 429)
                #expect(try await gateway.call("/v1/chat/completions", key: try await Self.governedKey(gateway), json: Self.honest).status == 200)
            }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    /// An upstream that sends content, then one endless line: the client gets the content and
    /// the in-band error, the record says truncated, and the gateway buffered at most the cap.
    @Test func anEndlessUpstreamLineEndsTheStreamInBand() async throws {
        let upstream = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("vendor", protocol: "openai", baseURL: upstream.baseURL, credential: Self.upstreamKey)
                try await gateway.addDeployment(alias: "chat", provider: "vendor", model: "gpt-4o-mini")
                let key = try await gateway.issueKey().secret
                let subscription = gateway.gateway.runtime.bus.subscribe()
                defer { subscription.cancel() }
                let content = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}"# + "\n\n"
                let piece = "data: " + String(repeating: "a", count: 64 << 10)
                let endless = [content] + Array(repeating: piece, count: SSEParser.defaultMaximumEventBytes / (64 << 10) + 8)
                for path in ["/v1/chat/completions", "/v1/messages"] {
                    await upstream.enqueue(.rawStream(endless))
                    let reply = try await gateway.call(path, key: key, json: #"{"model":"chat","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
                    #expect(reply.status == 200)
                    #expect(reply.text.contains("hi"), "\(path): content before the endless line reached the client")
                    #expect(!reply.text.contains("aaaa"), "\(path): the endless line was not relayed")
                    #expect(reply.text.contains("error"), "\(path): \(reply.text.prefix(500))")
                    let record = try await GatewayHarness.record(try #require(reply.header("x-request-id")), on: subscription)
                    #expect(record.outcome == .truncated, "\(path)")
                    #expect(record.errorClass == "upstream_stream_failed", "\(path)")
                }
                #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.honest).status == 200)
            }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    /// A control line over the limit made `aam console` hang up: the daemon never sends one.
    @Test func theDaemonNeverSendsAControlLineOverTheLimit() throws {
        let huge = String(repeating: "/", count: ControlProtocol.maxLineBytes + 1)
        var event = ControlMessage(type: .event)
        event.error = ControlError(code: .internal, message: huge)
        #expect(try ControlFraming.encodeWithinLimit(event) == nil, "an event too long is skipped")
        let answer = try #require(try ControlFraming.encodeWithinLimit(.failure(ControlError(code: .internal, message: huge), id: 7)))
        #expect(answer.count < 1024)
        let decoded = try #require(ControlFraming.decode(Array(answer.dropLast()), with: {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return decoder
        }()))
        #expect(decoded.id == 7 && decoded.error?.code == .tooLarge)
        let small = ControlMessage.failure(ControlError(code: .internal, message: "fine"), id: 8)
        #expect(try ControlFraming.encodeWithinLimit(small) == ControlFraming.encode(small))
    }
}
