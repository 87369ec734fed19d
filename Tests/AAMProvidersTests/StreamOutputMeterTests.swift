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
    /// Fuzzing found (Fuzz/regressions/streams/fast-passthrough-meters-invalid-utf8-by-path.sse):
    /// ill-formed UTF-8 counted raw on the fast path and as U+FFFD on the general one, so the
    /// bill of a stream that ended early depended on when a CR arrived.
    @Test func invalidUTF8IsMeteredTheSameOnEveryPath() throws {
        let event = Array(#"data: {"choices":[{"index":0,"delta":{"content":""#.utf8) + [0xFF, 0xFE, 0x61, 0xE2, 0x82]
            + Array(#""}}]}"#.utf8) + [0x0A, 0x0A]
        // What the text decodes to: U+FFFD U+FFFD "a" U+FFFD (the truncated € is one subpart).
        let expected = 3 + 3 + 1 + 3
        var general = OpenAIPassthroughStream(clientRequestedUsage: false)
        var parser = SSEParser()
        for parsed in try parser.append(event) { _ = try general.translate(parsed) }
        #expect(general.outputBytes == expected, "general path")
        // Fast path: no CR at all, or a CR before / after the event.
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try fast.feed(event)
        #expect(fast.outputBytes == expected, "fast path")
        var crFirst = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try crFirst.feed(Array(": keep-alive\r\n\r\n".utf8))
        _ = try crFirst.feed(event)
        #expect(crFirst.outputBytes == expected, "general path after a CR")
        var crLater = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try crLater.feed(event)
        _ = try crLater.feed(Array("data: [DONE]\r\n\r\n".utf8))
        _ = try crLater.finish()
        #expect(crLater.outputBytes == expected, "fast path, then a CR")
    }

    /// The meter's length of a string value is the UTF-8 length of what `String(decoding:)`
    /// makes of it, for any bytes (seeded, so a failure reproduces).
    @Test func decodedLengthMatchesStringDecoding() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let interesting: [UInt8] = [0x61, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<5_000 {
            let count = Int(next() % 12)
            let bytes = (0..<count).map { _ in next() % 2 == 0 ? interesting[Int(next()) % interesting.count] : next() }
            let decoded = String(decoding: bytes, as: UTF8.self).utf8.count
            let metered = bytes.withUnsafeBufferPointer { StreamOutputMeter.decodedLength($0, 0..<$0.count) }
            #expect(metered == decoded, "\(bytes.map { String($0, radix: 16) })")
            if metered != decoded { return }
        }
    }
}
