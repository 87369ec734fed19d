import Testing

@testable import AAMProviders

/// Malformed bodies give a TranslationError naming the field, never a crash.
@Suite struct BadInputTests {
    static func openAIError(_ body: String) -> TranslationError? {
        #expect(throws: TranslationError.self) { try RequestTranslator.openAIToAnthropic(body.bytes, upstreamModel: "c") }
    }

    static func anthropicError(_ body: String) -> TranslationError? {
        #expect(throws: TranslationError.self) { try RequestTranslator.anthropicToOpenAI(body.bytes, upstreamModel: "g") }
    }

    @Test(arguments: [
        ("{not json", nil, "request body: invalid JSON at byte 1: expected a string key"),
        ("[1,2]", nil, "request body: expected a JSON object"),
        (#"{"model":"x"}"#, "messages", "messages: required"),
        (#"{"messages":[]}"#, "messages", "messages: must contain at least one message"),
        (#"{"messages":"hi"}"#, "messages", "messages: expected an array, got a string"),
        (#"{"messages":[42]}"#, "messages[0]", "messages[0]: expected an object, got a number"),
        (#"{"messages":[{"content":"x"}]}"#, "messages[0].role", "messages[0].role: required"),
        (#"{"messages":[{"role":"wizard","content":"x"}]}"#, "messages[0].role", "messages[0].role: unsupported role 'wizard'"),
        (
            #"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":7}]}"#,
            "messages[2].content", "messages[2].content: expected a string or an array of content parts, got a number"
        ),
        (#"{"messages":[{"role":"user","content":[{"type":"input_audio"}]}]}"#, "messages[0].content[0].type", "messages[0].content[0].type: content part type 'input_audio' cannot be sent to an Anthropic upstream"),
        (
            #"{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}"#,
            "messages[0].tool_calls[0].function.arguments", "messages[0].tool_calls[0].function.arguments: invalid JSON at byte 1: expected a string key"
        ),
        (
            #"{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}"#,
            "messages[0].tool_calls[0].function.arguments", "messages[0].tool_calls[0].function.arguments: expected a JSON object, got an array"
        ),
        (#"{"messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id", "messages[0].tool_call_id: required"),
        (#"{"messages":[{"role":"user","content":"x"}],"n":2}"#, "n", "n: must be 1: an Anthropic upstream returns a single choice"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":"many"}"#, "max_tokens", "max_tokens: expected an integer, got a string"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, "max_tokens", "max_tokens: must be a positive integer"),
        (#"{"messages":[{"role":"user","content":"x"}],"stop":[1]}"#, "stop[0]", "stop[0]: expected a string, got a number"),
        (#"{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, "temperature", "temperature: expected a number, got a string"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}"#, "tools[0].function", "tools[0].function: required"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"}"#, "tool_choice", "tool_choice: expected 'none', 'auto', 'required' or a function choice, got 'sometimes'"),
        (#"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}"#, "response_format.type", "response_format.type: expected 'text', 'json_object' or 'json_schema', got 'yaml'"),
        (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}"#, "messages[0].content[0].image_url.url", "messages[0].content[0].image_url.url: expected a base64 data URL (data:<media type>;base64,<data>)"),
    ] as [(String, String?, String)])
    func openAIRequestErrors(body: String, param: String?, message: String) {
        let error = Self.openAIError(body)
        #expect(error?.param == param)
        #expect(error?.message == message)
    }

    @Test(arguments: [
        (#"{"max_tokens":5}"#, "messages", "messages: required"),
        (#"{"messages":[{"role":"system","content":"x"}]}"#, "messages[0].role", "messages[0].role: expected 'user' or 'assistant', got 'system'"),
        (#"{"messages":[{"role":"user"}]}"#, "messages[0].content", "messages[0].content: required"),
        (#"{"messages":[{"role":"user","content":{"text":"x"}}]}"#, "messages[0].content", "messages[0].content: expected a string or an array of content blocks, got an object"),
        (#"{"messages":[{"role":"user","content":[{"type":"document"}]}]}"#, "messages[0].content[0].type", "messages[0].content[0].type: content block type 'document' cannot be sent to an OpenAI upstream"),
        (#"{"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}"#, "messages[0].content[0].tool_use_id", "messages[0].content[0].tool_use_id: required"),
        (#"{"system":5,"messages":[{"role":"user","content":"x"}]}"#, "system", "system: expected a string or an array of text blocks, got a number"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#, "tools[0].type", "tools[0].type: server tool 'web_search_20250305' cannot be sent to an OpenAI upstream"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f"}]}"#, "tools[0].input_schema", "tools[0].input_schema: required"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":{}}],"tool_choice":{"type":"maybe"}}"#, "tool_choice.type", "tool_choice.type: expected 'auto', 'any', 'tool' or 'none', got 'maybe'"),
        (#"{"messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, "stream", "stream: expected a boolean, got a string"),
    ] as [(String, String?, String)])
    func anthropicRequestErrors(body: String, param: String?, message: String) {
        let error = Self.anthropicError(body)
        #expect(error?.param == param)
        #expect(error?.message == message)
    }

    @Test func responseErrors() {
        let missingChoices = #expect(throws: TranslationError.self) {
            try ResponseTranslator.openAIToAnthropic(#"{"id":"chatcmpl-1"}"#.bytes, responseModel: "m")
        }
        #expect(missingChoices?.message == "choices: required")
        let badBlock = #expect(throws: TranslationError.self) {
            try ResponseTranslator.anthropicToOpenAI(#"{"id":"msg_1","content":[{"type":"tool_use","id":"t"}]}"#.bytes, responseModel: "m")
        }
        #expect(badBlock?.message == "content[0].name: required")
        let badArguments = #expect(throws: TranslationError.self) {
            try ResponseTranslator.openAIToAnthropic(
                #"{"id":"c","choices":[{"message":{"tool_calls":[{"id":"x","function":{"name":"f","arguments":"{"}}]}}]}"#.bytes, responseModel: "m")
        }
        #expect(badArguments?.param == "choices[0].message.tool_calls[0].function.arguments")
        let errorBody = #expect(throws: TranslationError.self) {
            try ResponseTranslator.anthropicToOpenAI(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.bytes, responseModel: "m")
        }
        #expect(errorBody?.message == "response body: upstream returned an error: Overloaded")
    }

    @Test func garbageNeverCrashes() {
        let samples = ["", "null", "\"str\"", "{\"messages\":null}", "{\"messages\":[null]}", "{\"messages\":[{\"role\":null}]}", String(repeating: "{\"a\":", count: 300)]
        for sample in samples {
            #expect(throws: TranslationError.self) { try RequestTranslator.openAIToAnthropic(sample.bytes, upstreamModel: "c") }
            #expect(throws: TranslationError.self) { try RequestTranslator.anthropicToOpenAI(sample.bytes, upstreamModel: "c") }
            #expect(throws: TranslationError.self) { try ResponseTranslator.openAIToAnthropic(sample.bytes, responseModel: "c") }
            #expect(throws: TranslationError.self) { try ResponseTranslator.anthropicToOpenAI(sample.bytes, responseModel: "c") }
            #expect(ResponseTranslator.usage(fromOpenAIResponse: sample.bytes) == nil)
            #expect(UpstreamErrorReader.read(sample.bytes) == nil)
        }
    }
}
