import AAMCore
import Testing

@testable import AAMProviders

/// Every stream path counts the model output it receives from the upstream, event by event:
/// the basis of what a stream that ends early is billed (`EarlyEndSettlement`).
@Suite struct StreamOutputMeterTests {
    @Test func countsOnlyStringValuesOfMeteredKeys() {
        let meter = StreamOutputMeter.openAI
        #expect(meter.bytes(in: #"{"content":"abcd"}"#) == 4)
        #expect(meter.bytes(in: #"{"content" :  "abc","refusal":"no"}"#) == 5, "blanks around the colon")
        #expect(meter.bytes(in: #"{"content":null,"logprobs":{"content":[{"token":"x"}]}}"#) == 0, "only string values")
        #expect(meter.bytes(in: #"{"role":"content","x":"arguments"}"#) == 0, "a value is not a key")
        // Text that looks like a key inside a value is skipped with the value.
        #expect(meter.bytes(in: #"{"content":"say \"content\":\"xx\""}"#) == 22)
        #expect(meter.bytes(in: #"{"content":"a\\","arguments":"b"}"#) == 4, "an escaped backslash ends the string")
        #expect(meter.bytes(in: #"{"reasoning_content":"think","content":""}"#) == 5)
        #expect(meter.bytes(in: #"{"content":"unterminated"#) == 0)
        #expect(StreamOutputMeter.anthropic.bytes(in: #"{"type":"text_delta","text":"héllo"}"#) == 6, "UTF-8 bytes")
        #expect(StreamOutputMeter.adding(.max, 1) == .max)
    }

    /// Raw JSON bytes per event of `openai/stream_tool_calls.sse` (escapes count as written).
    static let openAIRawPerEvent = [0, 8, 13, 0, 5, 9, 19, 0, 13, 19, 0, 0, 0]
    /// Decoded bytes per event of `anthropic/stream_tool_use.sse` (the translating paths parse).
    static let anthropicDecodedPerEvent = [0, 0, 0, 4, 44, 0, 0, 0, 12, 20, 23, 0, 0, 0]

    @Test func openAIPassThroughCountsEachEvent() throws {
        let events = try Fixture.events("openai/stream_tool_calls.sse")
        #expect(events.count == Self.openAIRawPerEvent.count)
        var translator = OpenAIPassthroughStream(clientRequestedUsage: false)
        var expected = 0
        for (index, event) in events.enumerated() {
            _ = try translator.translate(event)
            expected += Self.openAIRawPerEvent[index]
            #expect(translator.outputBytes == expected, "after event \(index)")
        }
        #expect(expected == 86)
    }

    @Test func fastPassThroughCountsLikeTheGeneralPathAtEverySplit() throws {
        let upstream = try Fixture.bytes("openai/stream_tool_calls.sse")
        for split in stride(from: 0, through: upstream.count, by: 7) {
            var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
            _ = try fast.feed(upstream[..<split])
            _ = try fast.feed(upstream[split...])
            _ = try fast.finish()
            #expect(fast.outputBytes == 86, "split at \(split)")
        }
        // Event by event: a client that leaves after event N is billed on these bytes.
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        var expected = 0
        for (index, event) in String(decoding: upstream, as: UTF8.self).components(separatedBy: "\n\n").dropLast().enumerated() {
            _ = try fast.feed(Array((event + "\n\n").utf8))
            expected += Self.openAIRawPerEvent[index]
            #expect(fast.outputBytes == expected, "after event \(index)")
        }
    }

    @Test func anthropicPassThroughCountsEachEvent() throws {
        let events = try Fixture.events("anthropic/stream_tool_use.sse")
        var translator = AnthropicPassthroughStream()
        let raw = [0, 0, 0, 4, 44, 0, 0, 0, 14, 22, 27, 0, 0, 0]
        var expected = 0
        for (index, event) in events.enumerated() {
            _ = try translator.translate(event)
            expected += raw[index]
            #expect(translator.outputBytes == expected, "after event \(index)")
        }
        #expect(translator.usage?.promptTokens == 472)
    }

    @Test func anthropicToOpenAICountsEachEvent() throws {
        let events = try Fixture.events("anthropic/stream_tool_use.sse")
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        var expected = 0
        for (index, event) in events.enumerated() {
            _ = try translator.translate(event)
            expected += Self.anthropicDecodedPerEvent[index]
            #expect(translator.outputBytes == expected, "after event \(index)")
        }
        #expect(expected == 103)
    }

    @Test func openAIToAnthropicCountsEachEvent() throws {
        let events = try Fixture.events("openai/stream_tool_calls.sse")
        let decoded = [0, 8, 13, 0, 4, 8, 17, 0, 11, 17, 0, 0, 0]
        var translator = OpenAIToAnthropicStream(responseModel: "m")
        var expected = 0
        for (index, event) in events.enumerated() {
            _ = try translator.translate(event)
            expected += decoded[index]
            #expect(translator.outputBytes == expected, "after event \(index)")
        }
    }

    @Test func thinkingIsCountedThoughOpenAIHasNoFormForIt() throws {
        var translator = AnthropicToOpenAIStream(responseModel: "m", clientRequestedUsage: false, created: 0)
        let event = SSEEvent(event: "content_block_delta", data: #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm, let me see"}}"#)
        #expect(try translator.translate(event).isEmpty)
        #expect(translator.outputBytes == 15)
    }
}
