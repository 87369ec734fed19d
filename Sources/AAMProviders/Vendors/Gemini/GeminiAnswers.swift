import AAMCore
import Foundation

/// A complete Gemini answer (`generateContent`) in the client's format.
///
/// A prompt Gemini blocked (`promptFeedback.blockReason`, no candidate) or an answer it cut
/// for safety before any content throws `UpstreamContentBlocked`: the client gets a clear
/// `content_filter` error, not an empty success. An answer cut after some content keeps it,
/// with `finish_reason: content_filter` (OpenAI) / `stop_reason: refusal` (Anthropic).
enum GeminiAnswers {
    static func read(_ body: [UInt8]) throws -> GeminiResponse {
        let response = try GeminiResponse(FieldReader.root(body, context: "response body"))
        if let error = response.error {
            throw TranslationError(message: "response body: upstream returned an error: \(error.message)")
        }
        let empty = response.texts.allSatisfy(\.isEmpty) && response.functionCalls.isEmpty
        if response.blockReason != nil || (empty && response.finishReason.map(GeminiResponse.blockingFinishReasons.contains) == true) {
            throw UpstreamContentBlocked(
                message: GeminiResponse.blockMessage(promptBlockReason: response.blockReason, finishReason: response.finishReason),
                usage: response.usage)
        }
        return response
    }

    /// -> OpenAI `chat.completion`.
    static func openAI(_ body: [UInt8], responseModel: String, created: Int = Int(Date().timeIntervalSince1970)) throws -> (body: [UInt8], usage: TokenUsage) {
        let response = try read(body)
        let usage = response.usage ?? .zero
        var message: WireJSONObject = ["role": "assistant"]
        message["content"] = response.functionCalls.isEmpty || !response.text.isEmpty ? .string(response.text) : .null
        if !response.functionCalls.isEmpty {
            message["tool_calls"] = .array(response.functionCalls.enumerated().map { index, call in
                [
                    "id": .string(GeminiResponse.callID(call, responseID: response.responseID, index: index)), "type": "function",
                    "function": ["name": .string(call.name), "arguments": .string(call.arguments.serializedString())],
                ]
            })
        }
        message["refusal"] = .null
        let finish: WireJSON = response.finishReason.map {
            .string(GeminiResponse.openAIFinishReason($0, calledFunctions: !response.functionCalls.isEmpty))
        } ?? .null
        let completion: WireJSON = [
            "id": .string("chatcmpl-" + (response.responseID ?? "aam")),
            "object": "chat.completion",
            "created": .int(created),
            "model": .string(responseModel),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": finish]],
            "usage": ProtocolMappings.openAIUsage(usage),
        ]
        return (completion.serialized(), usage)
    }

    /// -> Anthropic `message`.
    static func anthropic(_ body: [UInt8], responseModel: String) throws -> (body: [UInt8], usage: TokenUsage) {
        let response = try read(body)
        let usage = response.usage ?? .zero
        var content: [WireJSON] = []
        if !response.text.isEmpty { content.append(["type": "text", "text": .string(response.text)]) }
        for (index, call) in response.functionCalls.enumerated() {
            content.append([
                "type": "tool_use", "id": .string(GeminiResponse.callID(call, responseID: response.responseID, index: index)),
                "name": .string(call.name), "input": call.arguments,
            ])
        }
        let stop: WireJSON = response.finishReason.map {
            .string(GeminiResponse.anthropicStopReason($0, calledFunctions: !response.functionCalls.isEmpty))
        } ?? .null
        let message: WireJSON = [
            "id": .string("msg_" + (response.responseID ?? "aam")),
            "type": "message",
            "role": "assistant",
            "model": .string(responseModel),
            "content": .array(content),
            "stop_reason": stop,
            "stop_sequence": nil,
            "usage": ProtocolMappings.anthropicUsage(usage),
        ]
        return (message.serialized(), usage)
    }
}
