import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Hostile and broken client input over real loopback HTTP: every refusal has the exact status,
/// the inbound API's own error shape and an `x-request-id`, and the daemon keeps serving.
@Suite("Bad input")
struct BadInputTests {
    static let unknownKey = "sk-aam-" + String(repeating: "Z", count: 40)

    // MARK: Authentication

    @Test(arguments: InboundRoute.allCases)
    func keysAreRequiredAndChecked(_ route: InboundRoute) async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey().secret
            let body = Array(route.body(model: "chat").utf8)

            // No credential at all.
            try await gateway.send(.POST, route.path, body: body)
                .expectError(on: route, 401, openAIType: "authentication_error", code: "missing_api_key", messageContains: ["Missing API key"])
            // A scheme other than Bearer carries no key.
            try await gateway.send(.POST, route.path, body: body, headers: [("authorization", "Basic \(key)")])
                .expectError(on: route, 401, openAIType: "authentication_error", code: "missing_api_key")
            // Malformed keys: not our format, empty, truncated, wrong alphabet.
            for malformed in ["not-a-key", "sk-aam-", String(key.dropLast()), "sk-aam-" + String(repeating: "!", count: 40), key + "x"] {
                try await gateway.call(route.path, key: malformed, json: route.body(model: "chat"))
                    .expectError(on: route, 401, openAIType: "authentication_error", code: "invalid_api_key", messageContains: ["Invalid API key"])
            }
            // Well-formed but never issued.
            try await gateway.call(route.path, key: Self.unknownKey, json: route.body(model: "chat"))
                .expectError(on: route, 401, openAIType: "authentication_error", code: "invalid_api_key", messageContains: ["Invalid API key"])

            // x-api-key: the Anthropic route accepts it, the OpenAI route does not.
            let viaHeader = try await gateway.send(.POST, route.path, body: body, headers: [("x-api-key", key)])
            switch route {
            case .messages:
                #expect(viaHeader.status == 200, "\(viaHeader.text)")
                #expect(viaHeader.jsonObject()?["type"] as? String == "message")
                // An unknown key in x-api-key is still a 401.
                try await gateway.send(.POST, route.path, body: body, headers: [("x-api-key", Self.unknownKey)])
                    .expectAnthropicError(401)
            case .chat:
                viaHeader.expectOpenAIError(401, type: "authentication_error", code: "missing_api_key")
            }
            // The bearer key works on both.
            try await gateway.expectServed(route, model: "chat", key: key)
        }
    }

    // MARK: Body validation

    struct BodyCase: CustomStringConvertible, Sendable {
        var name: String
        var body: [UInt8]
        var code: String
        var param: String?
        var fragments: [String] = []
        var description: String { name }

        init(_ name: String, _ body: String, code: String, param: String? = nil, fragments: [String] = []) {
            self.init(name, bytes: Array(body.utf8), code: code, param: param, fragments: fragments)
        }

        init(_ name: String, bytes: [UInt8], code: String, param: String? = nil, fragments: [String] = []) {
            self.name = name
            self.body = bytes
            self.code = code
            self.param = param
            self.fragments = fragments
        }
    }

    /// Malformed bodies common to both routes (the `max_tokens` the Anthropic route requires is
    /// included so each case fails on exactly the field under test).
    static func bodyCases(for route: InboundRoute) -> [BodyCase] {
        let maxTokens = route == .messages ? #","max_tokens":16"# : ""
        let messages = #""messages":[{"role":"user","content":"hi"}]"#
        let depth = 100_000
        let nested: String = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let deep: String = #"{"model":"chat","messages":[{"role":"user","content":"# + nested + "}]" + maxTokens + "}"
        var invalidUTF8 = Array(#"{"model":"chat"\#(maxTokens),"messages":[{"role":"user","content":"caf"#.utf8)
        invalidUTF8 += [0xC3, 0x28, 0xFF, 0xFE]
        invalidUTF8 += Array(#""}]}"#.utf8)
        var cases: [BodyCase] = [
            BodyCase("truncated JSON", #"{"model":"chat","messages":["#, code: "invalid_json", fragments: ["not valid JSON"]),
            BodyCase("empty body", "", code: "invalid_json", fragments: ["not valid JSON"]),
            BodyCase("not JSON at all", "hello there", code: "invalid_json", fragments: ["not valid JSON"]),
            BodyCase("trailing garbage", #"{"model":"chat",\#(messages)\#(maxTokens)} {}"#, code: "invalid_json"),
            BodyCase("JSON array", #"[{"model":"chat"}]"#, code: "invalid_json", fragments: ["expected a JSON object"]),
            BodyCase("JSON string", #""chat""#, code: "invalid_json", fragments: ["expected a JSON object"]),
            BodyCase("JSON null", "null", code: "invalid_json", fragments: ["expected a JSON object"]),
            BodyCase("invalid UTF-8 in a string", bytes: invalidUTF8, code: "invalid_json", fragments: ["not valid JSON"]),
            BodyCase("raw control character in a string", #"{"model":"ch\#u{01}at",\#(messages)\#(maxTokens)}"#, code: "invalid_json"),
            BodyCase("deeply nested", deep, code: "invalid_json", fragments: ["nested too deeply"]),
            BodyCase("model missing", #"{\#(messages)\#(maxTokens)}"#, code: "missing_required_parameter", param: "model"),
            BodyCase("model empty", #"{"model":"",\#(messages)\#(maxTokens)}"#, code: "missing_required_parameter", param: "model"),
            BodyCase("model a number", #"{"model":42,\#(messages)\#(maxTokens)}"#, code: "invalid_type", param: "model"),
            BodyCase("model null", #"{"model":null,\#(messages)\#(maxTokens)}"#, code: "missing_required_parameter", param: "model"),
            BodyCase("model an object", #"{"model":{"name":"chat"},\#(messages)\#(maxTokens)}"#, code: "invalid_type", param: "model"),
            BodyCase("messages missing", #"{"model":"chat"\#(maxTokens)}"#, code: "missing_required_parameter", param: "messages"),
            BodyCase("messages a string", #"{"model":"chat","messages":"hi"\#(maxTokens)}"#, code: "invalid_type", param: "messages"),
            BodyCase("messages an object", #"{"model":"chat","messages":{"role":"user"}\#(maxTokens)}"#, code: "invalid_type", param: "messages"),
            BodyCase("stream a string", #"{"model":"chat",\#(messages),"stream":"yes"\#(maxTokens)}"#, code: "invalid_type", param: "stream"),
            BodyCase("stream a number", #"{"model":"chat",\#(messages),"stream":1\#(maxTokens)}"#, code: "invalid_type", param: "stream"),
        ]
        if route == .messages {
            cases.append(BodyCase("max_tokens missing", #"{"model":"chat",\#(messages)}"#, code: "missing_required_parameter", param: "max_tokens"))
            cases.append(BodyCase("max_tokens a string", #"{"model":"chat",\#(messages),"max_tokens":"16"}"#, code: "invalid_type", param: "max_tokens"))
        }
        return cases
    }

    @Test(arguments: InboundRoute.allCases)
    func malformedBodiesAre400InTheRoutesShape(_ route: InboundRoute) async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey().secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            var requestIDs: [(String, BodyCase)] = []
            for testCase in Self.bodyCases(for: route) {
                let reply = try await gateway.send(.POST, route.path, body: testCase.body, headers: [("authorization", "Bearer \(key)")])
                let message = reply.expectError(
                    on: route, 400, openAIType: "invalid_request_error", code: testCase.code, param: testCase.param,
                    messageContains: testCase.fragments)
                if testCase.param != nil, route == .chat {
                    #expect(message.contains(testCase.param!), "\(testCase): '\(message)' should name the field")
                }
                requestIDs.append((reply.requestID(), testCase))
            }
            // Each refusal is recorded as a rejected call with the status the client saw.
            for (requestID, testCase) in requestIDs {
                let record = try await GatewayHarness.record(requestID, on: subscription)
                #expect(record.outcome == .rejected, "\(testCase)")
                #expect(record.status == 400, "\(testCase)")
                #expect(record.endpoint == route.path)
                #expect(record.attempts.isEmpty)
                #expect(record.errorClass == testCase.code, "\(testCase)")
            }
            // The daemon survived all of it.
            try await gateway.expectServed(route, model: "chat", key: key)
            try await gateway.expectServed(route == .chat ? .messages : .chat, model: "chat", key: key)
        }
    }

    // MARK: Models

    @Test(arguments: InboundRoute.allCases)
    func unknownAndForbiddenModels(_ route: InboundRoute) async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium"])
            let open = try await gateway.issueKey().secret
            let limited = try await gateway.issueKey(extra: #""models":["chat"]"#).secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }

            let unknown = try await gateway.chat(route, model: "no-such-model", key: open)
            unknown.expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found", param: "model",
                                messageContains: ["no-such-model"])
            let forbidden = try await gateway.chat(route, model: "premium", key: limited)
            // Not allowed is answered like unknown (`ModelAccessTests`); the record says which.
            forbidden.expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found", param: "model",
                                  messageContains: ["premium"])
            // A limited key learns nothing about which aliases exist.
            try await gateway.chat(route, model: "no-such-model", key: limited)
                .expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found")

            let unknownRecord = try await GatewayHarness.record(unknown.requestID(), on: subscription)
            #expect(unknownRecord.outcome == .rejected)
            #expect(unknownRecord.status == 404)
            #expect(unknownRecord.alias == "no-such-model")
            #expect(unknownRecord.keyId != nil)
            let forbiddenRecord = try await GatewayHarness.record(forbidden.requestID(), on: subscription)
            #expect(forbiddenRecord.outcome == .rejected)
            #expect(forbiddenRecord.status == 404)
            #expect(forbiddenRecord.errorClass == "model_not_allowed")

            try await gateway.expectServed(route, model: "chat", key: limited)
            try await gateway.expectServed(route, model: "premium", key: open)
        }
    }

    // MARK: Body size

    /// A body of `count` bytes that is valid JSON for `route` (padding in a string).
    static func paddedBody(_ route: InboundRoute, model: String, count: Int) -> [UInt8] {
        let head = route == .messages ? #"{"model":"\#(model)","max_tokens":16,"messages":[{"role":"user","content":""#
            : #"{"model":"\#(model)","messages":[{"role":"user","content":""#
        let tail = #""}]}"#
        return Array((head + String(repeating: "a", count: max(0, count - head.utf8.count - tail.utf8.count)) + tail).utf8)
    }

    /// Sends `bytes` with chunked transfer encoding (no Content-Length), in 256-byte chunks.
    static func sendChunked(_ gateway: GatewayHarness, _ path: String, bytes: [UInt8], key: String) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        let (chunks, continuation) = AsyncStream<ByteBuffer>.makeStream()
        var offset = 0
        while offset < bytes.count {
            continuation.yield(ByteBuffer(bytes: bytes[offset..<min(bytes.count, offset + 256)]))
            offset += 256
        }
        continuation.finish()
        request.body = .stream(chunks, length: .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(collected.readableBytesView))
    }

    @Test(arguments: InboundRoute.allCases)
    func oversizedBodiesAre413(_ route: InboundRoute) async throws {
        try await withGateway(maxBodyBytes: 1024) { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey().secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let big = Self.paddedBody(route, model: "chat", count: 4096)
            let openAIType = "invalid_request_error"

            // Declared Content-Length over the limit.
            let declared = try await gateway.send(.POST, route.path, body: big, headers: [("authorization", "Bearer \(key)")])
            declared.expectError(on: route, 413, openAIType: openAIType, code: "request_too_large", messageContains: ["1024"])
            // Chunked, so the size is only discovered while reading.
            let chunked = try await Self.sendChunked(gateway, route.path, bytes: big, key: key)
            chunked.expectError(on: route, 413, openAIType: openAIType, code: "request_too_large", messageContains: ["1024"])
            // One byte over the limit, declared.
            try await gateway.send(.POST, route.path, body: Self.paddedBody(route, model: "chat", count: 1025),
                                   headers: [("authorization", "Bearer \(key)")])
                .expectError(on: route, 413, openAIType: openAIType, code: "request_too_large")

            let record = try await GatewayHarness.record(declared.requestID(), on: subscription)
            #expect(record.outcome == .rejected)
            #expect(record.status == 413)
            let chunkedRecord = try await GatewayHarness.record(chunked.requestID(), on: subscription)
            #expect(chunkedRecord.status == 413)

            // Exactly at the limit is fine, declared or chunked.
            let atLimit = Self.paddedBody(route, model: "chat", count: 1024)
            #expect(atLimit.count == 1024)
            let plain = try await gateway.send(.POST, route.path, body: atLimit, headers: [("authorization", "Bearer \(key)")])
            #expect(plain.status == 200, "\(plain.text)")
            let chunkedOK = try await Self.sendChunked(gateway, route.path, bytes: atLimit, key: key)
            #expect(chunkedOK.status == 200, "\(chunkedOK.text)")
            try await gateway.expectServed(route, model: "chat", key: key)
        }
    }

    // MARK: Routes and methods

    @Test func unknownRoutesAndWrongMethodsAnswerJSON() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey().secret
            let auth = [("authorization", "Bearer \(key)")]

            for (method, path) in [(HTTPMethod.GET, "/v1/nope"), (.POST, "/v1/chat/complete"), (.GET, "/"), (.POST, "/v2/chat/completions")] {
                try await gateway.send(method, path, headers: auth)
                    .expectOpenAIError(404, type: "invalid_request_error", code: "not_found", messageContains: [path])
            }
            try await gateway.send(.POST, "/v1/messages/batches", body: Array("{}".utf8), headers: auth)
                .expectAnthropicError(404, messageContains: ["/v1/messages/batches"])

            // A known path with the wrong method.
            let wrongMethod = try await gateway.send(.GET, "/v1/chat/completions", headers: auth)
            wrongMethod.expectOpenAIError(405, type: "invalid_request_error", code: "method_not_allowed", messageContains: ["GET"])
            #expect(wrongMethod.header("allow") == "POST")
            try await gateway.send(.DELETE, "/v1/chat/completions", headers: auth)
                .expectOpenAIError(405, type: "invalid_request_error", code: "method_not_allowed", messageContains: ["DELETE"])
            try await gateway.send(.GET, "/v1/messages", headers: auth).expectAnthropicError(405, type: "invalid_request_error")
            try await gateway.send(.POST, "/v1/models", body: Array("{}".utf8), headers: auth)
                .expectOpenAIError(405, type: "invalid_request_error", code: "method_not_allowed")

            // Still serving.
            for route in InboundRoute.allCases { try await gateway.expectServed(route, model: "chat", key: key) }
            let health = try await gateway.send(.GET, "/healthz")
            #expect(health.status == 200)
        }
    }

    // MARK: Embeddings

    @Test func embeddingsInputIsValidated() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let key = try await gateway.issueKey(extra: #""models":["chat"]"#).secret
            let auth = [("authorization", "Bearer \(key)")]
            func post(_ body: String, headers: [(String, String)]) async throws -> GatewayHarness.Reply {
                try await gateway.send(.POST, "/v1/embeddings", body: Array(body.utf8), headers: headers)
            }
            try await post(#"{"model":"chat","input":"hi"}"#, headers: [])
                .expectOpenAIError(401, type: "authentication_error", code: "missing_api_key")
            try await post(#"{"model":"chat","input":"hi"}"#, headers: [("x-api-key", key)])
                .expectOpenAIError(401, type: "authentication_error", code: "missing_api_key")
            try await post(#"{"model":"chat","input":"#, headers: auth)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_json")
            try await post(#"{"input":"hi"}"#, headers: auth)
                .expectOpenAIError(400, type: "invalid_request_error", code: "missing_required_parameter", param: "model")
            try await post(#"{"model":"chat"}"#, headers: auth)
                .expectOpenAIError(400, type: "invalid_request_error", code: "missing_required_parameter", param: "input")
            try await post(#"{"model":"chat","input":42}"#, headers: auth)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_type", param: "input")
            try await post(#"{"model":"nope","input":"hi"}"#, headers: auth)
                .expectOpenAIError(404, type: "invalid_request_error", code: "model_not_found", param: "model")
        }
    }

    // MARK: Call records for rejected calls

    @Test func rejectedCallsArePublishedAsRecords() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let issued = try await gateway.issueKey(extra: #""teamId":"platform""#)
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }

            let missing = try await gateway.chat(.chat, model: "chat", key: nil)
            let unknown = try await gateway.chat(.messages, model: "chat", key: Self.unknownKey)
            let invalid = try await gateway.call("/v1/chat/completions", key: issued.secret, json: "{")
            let served = try await gateway.expectServed(.messages, model: "chat", key: issued.secret)

            let missingRecord = try await GatewayHarness.record(missing.requestID(), on: subscription)
            #expect(missingRecord.outcome == .rejected)
            #expect(missingRecord.status == 401)
            #expect(missingRecord.errorClass == "missing_api_key")
            #expect(missingRecord.keyId == nil)
            #expect(missingRecord.endpoint == "/v1/chat/completions")

            let unknownRecord = try await GatewayHarness.record(unknown.requestID(), on: subscription)
            #expect(unknownRecord.outcome == .rejected)
            #expect(unknownRecord.status == 401)
            #expect(unknownRecord.errorClass == "invalid_api_key")
            #expect(unknownRecord.endpoint == "/v1/messages")

            let invalidRecord = try await GatewayHarness.record(invalid.requestID(), on: subscription)
            #expect(invalidRecord.outcome == .rejected)
            #expect(invalidRecord.status == 400)
            #expect(invalidRecord.keyId == issued.id, "a rejected call by a known key is attributed to it")
            #expect(invalidRecord.orgId == "acme")
            #expect(invalidRecord.teamId == "platform")

            let servedRecord = try await GatewayHarness.record(served.requestID(), on: subscription)
            #expect(servedRecord.outcome == .success)
            #expect(servedRecord.status == 200)
        }
    }
}
