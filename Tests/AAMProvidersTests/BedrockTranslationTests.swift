import AAMCore
import Foundation
import Testing

@testable import AAMProviders

/// Bedrock as an upstream: the dialect (URLs, SigV4 headers, errors), the request translation
/// from both inbound APIs, answers and streams event by event. Golden inputs are AWS's
/// published Converse / ConverseStream examples (`Fixtures/bedrock/SOURCES.md`).
@Suite struct BedrockTranslationTests {
    static let created = 1_700_000_000
    static let provider = ProviderConfig(name: "b", wireProtocol: .bedrock, baseURL: "https://bedrock-runtime.eu-west-1.amazonaws.com", region: "eu-west-1")
    static let credential = SecretValue("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    static func named(_ name: String, _ json: String) -> SSEEvent { SSEEvent(event: name, data: json) }

    // MARK: Dialect

    @Test func urlsCarryTheEncodedModelID() {
        let dialect = ProviderProtocol.bedrock.dialect
        #expect(dialect.chatURL(Self.provider, upstreamModel: "anthropic.claude-3-haiku-20240307-v1:0", stream: false)
            == "https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse")
        #expect(dialect.chatURL(Self.provider, upstreamModel: "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.meta.llama3", stream: true)
            == "https://bedrock-runtime.eu-west-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Ainference-profile%2Feu.meta.llama3/converse-stream")
        let regionOnly = ProviderConfig(name: "b", wireProtocol: .bedrock, baseURL: "", region: "us-west-2")
        #expect(dialect.chatURL(regionOnly, upstreamModel: "m", stream: false) == "https://bedrock-runtime.us-west-2.amazonaws.com/model/m/converse")
        #expect(!dialect.servesEmbeddings)
    }

    @Test func theCredentialIsReadInEitherForm() {
        let colon = BedrockCredential.read(SecretValue("AKID:se/cr+et:TOKEN"))
        #expect(colon?.accessKeyID == "AKID" && colon?.secretAccessKey == "se/cr+et" && colon?.sessionToken == "TOKEN")
        let json = BedrockCredential.read(SecretValue(#"{"accessKeyId":"AKID","secretAccessKey":"s","sessionToken":""}"#))
        #expect(json?.accessKeyID == "AKID" && json?.secretAccessKey == "s" && json?.sessionToken == nil)
        #expect(BedrockCredential.read(SecretValue("just-a-key")) == nil)
        #expect("\(colon!)" == "<redacted>")
    }

    @Test func everyRequestIsSignedForBedrockInTheProvidersRegion() throws {
        let body = Self.bytes(#"{"messages":[]}"#)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let url = "https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-v2%3A1/converse"
        let fields = BedrockDialect().credentialFields(
            Self.credential, provider: Self.provider, url: url, headers: [("content-type", "application/json")], body: body, now: now)
        let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
        #expect(byName["x-amz-date"] == "20231114T221320Z")
        #expect(byName["x-amz-content-sha256"] == SigV4Signer.sha256Hex(body))
        let authorization = try #require(byName["authorization"])
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20231114/eu-west-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature="))
        // The same signature, recomputed from what is sent (as the service does).
        let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "eu-west-1", service: "bedrock")
        let recomputed = signer.signature(
            method: "POST", path: "/model/anthropic.claude-v2%3A1/converse", query: "",
            headers: [("content-type", "application/json"), ("host", "bedrock-runtime.eu-west-1.amazonaws.com"), ("x-amz-content-sha256", byName["x-amz-content-sha256"]!), ("x-amz-date", "20231114T221320Z")],
            payloadHash: SigV4Signer.sha256Hex(body), amzDate: "20231114T221320Z")
        #expect(authorization.hasSuffix("Signature=" + recomputed.signature))
        // No secret in any header.
        #expect(!fields.contains { $0.value.contains("wJalrXUtnFEMI") })
    }

    @Test func errorsAreClassifiedAsBedrockMeansThem() throws {
        let dialect = BedrockDialect()
        let now = Date(timeIntervalSince1970: 1000)
        let throttled = try Fixture.bytes("bedrock/throttled.json")
        #expect(dialect.errorMessage(throttled) == "Too many requests, please wait before trying again.")
        #expect(dialect.outcome(.rateLimited(retryAt: nil), status: 429, body: throttled, receivedAt: now) == .rateLimited(retryAt: nil))
        let notReady = Self.bytes(#"{"__type":"com.amazon.bedrock#ModelNotReadyException","message":"Model is not ready to serve inference requests."}"#)
        #expect(dialect.outcome(.requestError(status: 400), status: 400, body: notReady, receivedAt: now) == .rateLimited(retryAt: nil))
        let unavailable = Self.bytes(#"{"__type":"ServiceUnavailableException","message":"Bedrock is unable to process your request."}"#)
        #expect(dialect.outcome(.requestError(status: 400), status: 400, body: unavailable, receivedAt: now) == .serverError(status: 503))
        // SigV4's time check names the clock, not the credential.
        let expired = Self.bytes(#"{"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)"}"#)
        #expect(dialect.refusalClass(status: 403, body: expired) == .upstreamClockSkew)
        #expect(dialect.outcome(.credentialRejected(status: 403), status: 403, body: expired, receivedAt: now) == .credentialRejected(status: 403))
        let denied = Self.bytes(#"{"message":"User: arn:aws:iam::123456789012:user/aam is not authorized to perform: bedrock:InvokeModel"}"#)
        #expect(dialect.refusalClass(status: 403, body: denied) == nil)
        let unrecognized = Self.bytes(#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#)
        #expect(dialect.isCredentialRefusal(status: 400, body: unrecognized))
        #expect(dialect.isContextLengthError(Self.bytes(#"{"message":"Input is too long for requested model."}"#)))
        #expect(!dialect.isContextLengthError(throttled))
    }

    // MARK: Requests

    @Test func anOpenAIConversationWithToolsBecomesAConverseRequest() throws {
        let body = Self.bytes(#"""
        {"model":"fast","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"{\"temp\":21}"},
          {"role":"user","content":"And tomorrow?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
         "tool_choice":"required","max_tokens":300,"temperature":0.2,"top_p":0.9,"stop":["END"],"stream":true}
        """#)
        let converted = try BedrockDialect().bridge(from: .openAIChat).requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "m", stream: true)
        #expect(try WireJSON.parse(converted) == WireJSON.parse(#"""
        {"system":[{"text":"Be brief."}],
         "messages":[
          {"role":"user","content":[{"text":"Weather in Paris?"}]},
          {"role":"assistant","content":[{"toolUse":{"toolUseId":"call_1","name":"get_weather","input":{"city":"Paris"}}}]},
          {"role":"user","content":[{"toolResult":{"toolUseId":"call_1","content":[{"text":"{\"temp\":21}"}]}},{"text":"And tomorrow?"}]}],
         "inferenceConfig":{"maxTokens":300,"temperature":0.2,"topP":0.9,"stopSequences":["END"]},
         "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"any":{}}}}
        """#))
    }

    @Test func anAnthropicRequestKeepsImagesErrorsAndTheForcedTool() throws {
        let body = Self.bytes(#"""
        {"model":"m","max_tokens":100,"system":[{"type":"text","text":"Sys"}],"top_k":5,
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
          {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"x"},{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":[{"type":"text","text":"boom"}]}]}],
         "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"}}
        """#)
        let converted = try BedrockDialect().bridge(from: .anthropicMessages).requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "m", stream: false)
        #expect(try WireJSON.parse(converted) == WireJSON.parse(#"""
        {"system":[{"text":"Sys"}],
         "messages":[
          {"role":"user","content":[{"text":"Look"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]},
          {"role":"assistant","content":[{"toolUse":{"toolUseId":"toolu_1","name":"f","input":{}}}]},
          {"role":"user","content":[{"toolResult":{"toolUseId":"toolu_1","content":[{"text":"boom"}],"status":"error"}}]}],
         "inferenceConfig":{"maxTokens":100},
         "additionalModelRequestFields":{"top_k":5},
         "toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"tool":{"name":"f"}}}}
        """#))
    }

    @Test func whatConverseCannotSayIsRefusedNamingTheField() throws {
        func refusal(_ json: String) -> TranslationError? {
            let body = Self.bytes(json)
            do {
                _ = try BedrockDialect().bridge(from: .anthropicMessages).requestBody(body, scan: try JSONObjectScanner(body), upstreamModel: "m", stream: false)
                return nil
            } catch let error as TranslationError { return error } catch { return nil }
        }
        #expect(refusal(#"{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}"#)?.param == "messages[0].content[0].type")
        #expect(refusal(#"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#)?.param == "tools[0].type")
        // tool_choice none: the tools are left out while no tool call is in the history.
        let none = Self.bytes(#"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"none"}}"#)
        let converted = try WireJSON.parse(try AnthropicToConverseRequest.convert(none))
        #expect(converted["toolConfig"] == nil)
        #expect(refusal(#"{"max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"none"}}"#)?.param == "tool_choice")
    }

    // MARK: Answers

    @Test func awsConverseAnswerBecomesEitherClientsAnswer() throws {
        let body = try Fixture.bytes("bedrock/converse-text.json")
        let openAI = try BedrockDialect().bridge(from: .openAIChat).responseBody(body, responseModel: "fast")
        #expect(openAI.usage == TokenUsage(promptTokens: 125, completionTokens: 60))
        let completion = try WireJSON.parse(openAI.body)
        #expect(completion["object"] == "chat.completion")
        #expect(completion["model"] == "fast")
        #expect(completion["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue?.hasPrefix("Here is a list of 3 pop songs") == true)
        #expect(completion["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
        #expect(completion["usage"]?["total_tokens"] == 185)
        let anthropic = try WireJSON.parse(try BedrockDialect().bridge(from: .anthropicMessages).responseBody(body, responseModel: "fast").body)
        #expect(anthropic["type"] == "message")
        #expect(anthropic["stop_reason"] == "end_turn")
        #expect(anthropic["usage"]?["input_tokens"] == 125)
        #expect(anthropic["usage"]?["output_tokens"] == 60)
    }

    @Test func awsToolUseAnswerBecomesAToolCall() throws {
        let body = try Fixture.bytes("bedrock/converse-tool-use.json")
        let completion = try WireJSON.parse(try BedrockDialect().bridge(from: .openAIChat).responseBody(body, responseModel: "fast").body)
        let message = completion["choices"]?.arrayValue?.first?["message"]
        #expect(message?["tool_calls"]?.arrayValue?.first?["id"] == "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q")
        #expect(message?["tool_calls"]?.arrayValue?.first?["function"]?["name"] == "top_song")
        #expect(message?["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == #"{"sign":"WZPZ"}"#)
        #expect(completion["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
        let anthropic = try WireJSON.parse(try ConverseAnswers.anthropic(body, responseModel: "fast").body)
        #expect(anthropic["content"] == WireJSON.literal(#"[{"type":"tool_use","id":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"top_song","input":{"sign":"WZPZ"}}]"#))
        #expect(anthropic["stop_reason"] == "tool_use")
    }

    @Test func aGuardrailThatWithheldEverythingIsAClearError() throws {
        let blocked = Self.bytes(#"{"output":{"message":{"role":"assistant","content":[]}},"stopReason":"guardrail_intervened","usage":{"inputTokens":9,"outputTokens":0,"totalTokens":9}}"#)
        #expect(throws: UpstreamContentBlocked(message: ConverseAnswers.blockMessage("guardrail_intervened"), usage: TokenUsage(promptTokens: 9))) {
            try ConverseAnswers.anthropic(blocked, responseModel: "fast")
        }
        let partial = Self.bytes(#"{"output":{"message":{"role":"assistant","content":[{"text":"Part"}]}},"stopReason":"content_filtered"}"#)
        #expect(try WireJSON.parse(try ConverseAnswers.anthropic(partial, responseModel: "fast").body)["stop_reason"] == "refusal")
    }

    // MARK: Streams

    /// The fixture's events, framed as Bedrock sends them and read back by the reader.
    static func streamEvents(_ fixture: String) throws -> [SSEEvent] {
        let lines = Self.text(try Fixture.bytes(fixture)).split(separator: "\n")
        var frames: [UInt8] = []
        for line in lines {
            let object = try #require(try WireJSON.parse(String(line)).objectValue)
            let member = try #require(Array(object).first)
            let (type, payload) = (member.key, member.value)
            frames += EventStreamMessage(headers: [":event-type": type, ":content-type": "application/json", ":message-type": "event"], payload: payload.serialized()).encoded()
        }
        var reader = BedrockEventReader()
        return try reader.append(frames) + reader.finish()
    }

    /// AWS's streamed tool call, event by event, in exactly the bytes `AnthropicToOpenAIStream`
    /// gives for the same answer from an Anthropic upstream.
    @Test func awsStreamedToolCallBecomesTheSameChunksAsAnAnthropicStreamWould() throws {
        var bedrock = ConverseStreamTranslator(
            inner: AnthropicToOpenAIStream(responseModel: "fast", clientRequestedUsage: true, created: Self.created), responseModel: "fast", messageID: "msg_b1")
        var anthropic = AnthropicToOpenAIStream(responseModel: "fast", clientRequestedUsage: true, created: Self.created)
        let events = try Self.streamEvents("bedrock/converse-stream-tool.jsonl")
        #expect(events.count == 8)
        let reference: [[SSEEvent]] = [
            [Self.named("message_start", #"{"type":"message_start","message":{"id":"msg_b1","type":"message","role":"assistant","model":"fast","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#)],
            [Self.named("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"tooluse_6Uj8hL7lRwWm7Rdd4w6Qng","name":"top_song","input":{}}}"#)],
            [Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"#)],
            [Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"sign\": \"W"}}"#)],
            [Self.named("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"ZPZ\"}"}}"#)],
            [Self.named("content_block_stop", #"{"type":"content_block_stop","index":0}"#)],
            [],
            [Self.named("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":375,"output_tokens":43}}"#),
             Self.named("message_stop", #"{"type":"message_stop"}"#)],
        ]
        var all = ""
        for (event, equivalents) in zip(events, reference) {
            var expected: [UInt8] = []
            for equivalent in equivalents { expected += try anthropic.translate(equivalent) }
            let got = Self.text(try bedrock.translate(event))
            #expect(got == Self.text(expected), "event \(event.event ?? "")")
            all += got
        }
        #expect(Self.text(bedrock.finish()) == Self.text(anthropic.finish()))
        #expect(bedrock.sawTerminalEvent)
        #expect(bedrock.usage == TokenUsage(promptTokens: 375, completionTokens: 43))
        // The split arguments reassemble exactly.
        #expect(all.contains(#""arguments":"{\"sign\": \"W""#) && all.contains(#""arguments":"ZPZ\"}""#))
    }

    @Test func awsStreamedTextReachesAnAnthropicClientAsAnthropicEvents() throws {
        var bedrock = ConverseStreamTranslator(inner: AnthropicPassthroughStream(), responseModel: "fast", messageID: "msg_b2")
        var out = ""
        for event in try Self.streamEvents("bedrock/converse-stream-text.jsonl") { out += Self.text(try bedrock.translate(event)) }
        out += Self.text(bedrock.finish())
        let expected = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_b2","type":"message","role":"assistant","model":"fast","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello! How"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" can I help you today?"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"output_tokens":11}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ].map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined()
        #expect(out == expected)
        #expect(bedrock.usage == TokenUsage(promptTokens: 12, completionTokens: 11))
        #expect(bedrock.sawTerminalEvent)
    }

    @Test func aStopWithoutMetadataStillEndsTheMessageAtTheEnd() throws {
        var bedrock = ConverseStreamTranslator(inner: AnthropicPassthroughStream(), responseModel: "fast", messageID: "m")
        _ = try bedrock.translate(Self.named("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"hi"}}"#))
        #expect(Self.text(try bedrock.translate(Self.named("messageStop", #"{"stopReason":"max_tokens"}"#))).isEmpty)
        #expect(!bedrock.sawTerminalEvent)
        let tail = Self.text(bedrock.finish())
        #expect(tail.contains(#""stop_reason":"max_tokens""#) && tail.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
        #expect(bedrock.sawTerminalEvent)
    }

    @Test func anInBandExceptionBecomesTheClientsErrorEvent() throws {
        var bedrock = ConverseStreamTranslator(
            inner: AnthropicToOpenAIStream(responseModel: "fast", clientRequestedUsage: false, created: Self.created), responseModel: "fast", messageID: "m")
        _ = try bedrock.translate(Self.named("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"hi"}}"#))
        let out = Self.text(try bedrock.translate(Self.named("exception", #"{"type":"modelStreamErrorException","message":"The model stream failed."}"#)))
        #expect(out.contains(#""message":"The model stream failed.""#))
        #expect(bedrock.upstreamError?.message == "The model stream failed.")
        #expect(!bedrock.sawTerminalEvent)
    }
}
