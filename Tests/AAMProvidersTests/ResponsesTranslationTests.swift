import AAMCore
import Testing

@testable import AAMProviders

/// The Responses API ⇄ chat translation, pure. Shapes follow openai-python's
/// `types/responses` (`ResponseCreateParams`, `Response`, `ResponseStreamEvent`) and OpenAI's
/// streaming guide (event `type` as the SSE `event:` name, `sequence_number` from 0).
@Suite struct ResponsesTranslationTests {
    static func chat(_ json: String) throws -> WireJSON { try WireJSON.parse(ResponsesRequestTranslator.chatBody(Array(json.utf8))) }

    @Test func requestWithInstructionsItemsToolsAndFormatBecomesChat() throws {
        let chat = try Self.chat(#"""
        {"model":"m","instructions":"Be brief.","max_output_tokens":50,"temperature":0.2,"top_p":0.9,"stream":true,
         "reasoning":{"effort":"low"},"store":true,"metadata":{"a":"b"},
         "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
         "tools":[{"type":"function","name":"get_weather","description":"d","parameters":{"type":"object"},"strict":true}],
         "tool_choice":{"type":"function","name":"get_weather"},
         "input":[{"role":"developer","content":"Use tools."},
                  {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris?"}]},
                  {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
                  {"type":"function_call_output","call_id":"call_1","output":"18C"},
                  {"role":"assistant","content":[{"type":"output_text","text":"It is 18C."}]}]}
        """#)
        #expect(chat["max_completion_tokens"] == 50)
        #expect(chat["temperature"] == .number("0.2"))
        #expect(chat["reasoning_effort"] == "low")
        #expect(chat["stream_options"] == ["include_usage": true])
        #expect(chat["store"] == nil && chat["metadata"] == nil)
        #expect(chat["response_format"] == ["type": "json_schema", "json_schema": ["name": "w", "schema": ["type": "object"], "strict": true]])
        #expect(chat["tools"] == [["type": "function", "function": ["name": "get_weather", "description": "d", "parameters": ["type": "object"], "strict": true]]])
        #expect(chat["tool_choice"] == ["type": "function", "function": ["name": "get_weather"]])
        let messages = try #require(chat["messages"]?.arrayValue)
        #expect(messages.count == 6)
        #expect(messages[0] == ["role": "system", "content": "Be brief."])
        #expect(messages[1] == ["role": "system", "content": "Use tools."])
        #expect(messages[2] == ["role": "user", "content": [["type": "text", "text": "Weather in Paris?"]]])
        #expect(messages[3]["tool_calls"]?.arrayValue?[0]["function"]?["arguments"] == #"{"city":"Paris"}"#)
        #expect(messages[4] == ["role": "tool", "tool_call_id": "call_1", "content": "18C"])
        #expect(messages[5] == ["role": "assistant", "content": "It is 18C."])
    }

    @Test func stringInputIsOneUserMessage() throws {
        #expect(try Self.chat(#"{"model":"m","input":"hi"}"#)["messages"] == [["role": "user", "content": "hi"]])
    }

    @Test func unknownItemsContentToolsAndStateAreRefusedByName() {
        let refused: [(String, String)] = [
            (#"{"model":"m","input":[{"type":"reasoning","id":"rs_1","summary":[]}]}"#, "'reasoning'"),
            (#"{"model":"m","input":[{"type":"item_reference","id":"x"}]}"#, "'item_reference'"),
            (#"{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}"#, "'input_file'"),
            (#"{"model":"m","input":"x","tools":[{"type":"web_search"}]}"#, "'web_search'"),
            (#"{"model":"m","input":"x","previous_response_id":"resp_1"}"#, "previous_response_id"),
            (#"{"model":"m","input":"x","conversation":"conv_1"}"#, "conversation"),
            (#"{"model":"m","input":"x","frobnicate":1}"#, "frobnicate"),
        ]
        for (body, name) in refused {
            #expect(throws: TranslationError.self, "\(body)") { _ = try ResponsesRequestTranslator.chatBody(Array(body.utf8)) }
            do {
                _ = try ResponsesRequestTranslator.chatBody(Array(body.utf8))
            } catch {
                #expect(error.message.contains(name), "\(error.message)")
            }
        }
    }

    static let object = ResponseObject(id: "resp_abc", createdAt: 1_700_000_000, model: "gpt-4o-mini", echo: ResponsesEcho.from(Array(#"{"instructions":"x"}"#.utf8)))

    @Test func chatAnswerBecomesAResponseWithMessageAndFunctionCallItems() throws {
        let chat = #"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi.","tool_calls":[{"id":"call_9","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}
        """#
        let response = try WireJSON.parse(ChatToResponsesAnswer.translate(Array(chat.utf8), as: Self.object))
        #expect(response["id"] == "resp_abc")
        #expect(response["object"] == "response")
        #expect(response["status"] == "completed")
        #expect(response["instructions"] == "x")
        #expect(response["output"]?.arrayValue?[0] == ["id": "msg_abc_0", "type": "message", "status": "completed", "role": "assistant",
                                          "content": [["type": "output_text", "text": "Hi.", "annotations": [], "logprobs": []]]])
        #expect(response["output"]?.arrayValue?[1] == ["id": "fc_abc_1", "type": "function_call", "status": "completed", "arguments": "{}", "call_id": "call_9", "name": "f"])
        #expect(response["usage"]?["input_tokens"] == 7)
        #expect(response["usage"]?["output_tokens"] == 3)
        #expect(response["usage"]?["total_tokens"] == 10)
    }

    @Test func lengthFinishIsIncomplete() throws {
        let chat = #"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}]}"#
        let response = try WireJSON.parse(ChatToResponsesAnswer.translate(Array(chat.utf8), as: Self.object))
        #expect(response["status"] == "incomplete")
        #expect(response["incomplete_details"] == ["reason": "max_output_tokens"])
    }

    static func events(_ bytes: [UInt8]) throws -> [(String, WireJSON)] {
        var parser = SSEParser()
        return try parser.append(bytes).map { ($0.event ?? "", try WireJSON.parse($0.data)) }
    }

    static func chunk(_ delta: String, finish: String? = nil) -> String {
        #"data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish.map { "\"\($0)\"" } ?? "null")}]}"# + "\n\n"
    }

    @Test func textStreamBecomesTypedEventsInOpenAIsOrder() throws {
        var stream = ChatToResponsesStream(response: Self.object)
        let chat = Self.chunk(#"{"role":"assistant","content":""}"#) + Self.chunk(#"{"content":"Hel"}"#) + Self.chunk(#"{"content":"lo"}"#)
            + Self.chunk("{}", finish: "stop")
            + #"data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"# + "\n\n" + "data: [DONE]\n\n"
        // Split mid-event: the translator must reassemble.
        let bytes = Array(chat.utf8)
        var out = stream.translate(bytes[..<37])
        out += stream.translate(bytes[37...])
        let events = try Self.events(out)
        #expect(events.map(\.0) == [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed",
        ])
        for (index, (name, data)) in events.enumerated() {
            #expect(data["type"] == .string(name))
            #expect(data["sequence_number"] == .int(index))
        }
        #expect(events[0].1["response"]?["status"] == "in_progress")
        #expect(events[4].1["delta"] == "Hel" && events[4].1["item_id"] == "msg_abc_0" && events[4].1["content_index"] == 0)
        #expect(events[6].1["text"] == "Hello")
        let completed = try #require(events.last?.1["response"])
        #expect(completed["status"] == "completed")
        #expect(completed["output"]?.arrayValue?[0]["content"]?.arrayValue?[0]["text"] == "Hello")
        #expect(completed["usage"] == ["input_tokens": 5, "input_tokens_details": ["cached_tokens": 0], "output_tokens": 2,
                                        "output_tokens_details": ["reasoning_tokens": 0], "total_tokens": 7])
    }

    @Test func toolCallSplitAcrossChunksReassemblesExactly() throws {
        var stream = ChatToResponsesStream(response: Self.object)
        let chat = Self.chunk(#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"#)
            + Self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}"#)
            + Self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}"#)
            + Self.chunk(#"{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"g","arguments":"{}"}}]}"#)
            + Self.chunk("{}", finish: "tool_calls") + "data: [DONE]\n\n"
        var out: [UInt8] = []
        for byte in Array(chat.utf8) { out += stream.translate([byte]) }
        let events = try Self.events(out)
        #expect(events.map(\.0) == [
            "response.created", "response.in_progress",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done",
            "response.output_item.done", "response.completed",
        ])
        #expect(events[2].1["item"]?["call_id"] == "call_1" && events[2].1["item"]?["status"] == "in_progress")
        #expect(events[5].1["arguments"] == #"{"city":"Paris"}"#)
        #expect(events[5].1["name"] == "get_weather")
        #expect(events[7].1["output_index"] == 1)
        let output = try #require(events.last?.1["response"]?["output"]?.arrayValue)
        #expect(output.map { $0["call_id"] } == ["call_1", "call_2"])
    }

    @Test func chatErrorEventBecomesErrorThenFailed() throws {
        var stream = ChatToResponsesStream(response: Self.object)
        var out = stream.translate(Array(Self.chunk(#"{"content":"Hi"}"#).utf8))
        out += stream.translate(Array((#"data: {"error":{"message":"blocked","type":"invalid_request_error","code":"guardrail_blocked","param":null}}"# + "\n\n").utf8))
        out += stream.translate(Array("data: [DONE]\n\n".utf8))
        let events = try Self.events(out)
        #expect(events.suffix(2).map(\.0) == ["error", "response.failed"])
        #expect(events[events.count - 2].1["code"] == "guardrail_blocked")
        #expect(events.last?.1["response"]?["status"] == "failed")
        #expect(events.last?.1["response"]?["error"]?["message"] == "blocked")
        // Nothing after the failure, not even the [DONE] that followed.
        #expect(!events.contains { $0.0 == "response.completed" })
    }
}
