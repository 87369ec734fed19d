import AAMCore
import Foundation
import Testing

@testable import AAMProviders

/// Issue 13, lower items: "the SSE parser has no line-length cap" and "an upstream can overflow
/// usage sums". An upstream stream cannot make the gateway buffer without bound, and no usage
/// count it reports can make a sum trap.
@Suite struct SSEBoundsTests {
    @Test func anEndlessLineThrowsOnceItPassesTheCapAndTheParserStaysFailed() throws {
        var parser = SSEParser(maximumEventBytes: 1024)
        #expect(try parser.append("data: ok\n\n".utf8) == [SSEEvent(data: "ok")])
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 100)
        var fed = 0
        var failure: SSEEventTooLarge?
        do {
            while fed < 10_000 {
                _ = try parser.append(chunk)
                fed += chunk.count
            }
        } catch {
            failure = error
        }
        #expect(failure == SSEEventTooLarge(limit: 1024))
        #expect(fed <= 1024, "it failed as soon as the line passed the cap, not later")
        #expect(throws: SSEEventTooLarge.self) { try parser.append("\n\ndata: later\n\n".utf8) }
    }

    @Test func manyShortDataLinesCountTowardsOneEvent() throws {
        var parser = SSEParser(maximumEventBytes: 1000)
        #expect(throws: SSEEventTooLarge.self) {
            for _ in 0..<200 { _ = try parser.append("data: 0123456789\n".utf8) }
        }
        // The same lines split into events stay under the cap.
        var fresh = SSEParser(maximumEventBytes: 1000)
        var events = 0
        for _ in 0..<200 { events += try fresh.append("data: 0123456789\n\n".utf8).count }
        #expect(events == 200)
    }

    @Test func anEventAtTheCapIsDelivered() throws {
        let data = String(repeating: "x", count: 994)  // "data: " + 994 = 1000 bytes of line
        var parser = SSEParser(maximumEventBytes: 1000)
        #expect(try parser.append("data: \(data)\n\n".utf8) == [SSEEvent(data: data)])
        #expect(throws: SSEEventTooLarge.self) { try SSEParser(maximumEventBytes: 1000).appendingOnce("data: \(data)x\n\n") }
    }

    /// The same-protocol fast path keeps its own buffer: it is bounded the same way, and a long
    /// event arriving in small reads is scanned once, not once per read.
    @Test func theFastPassthroughRefusesAnEndlessEvent() throws {
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try fast.feed(Array(#"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"#.utf8) + [0x0A, 0x0A])
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
        var fed = 0
        let started = ContinuousClock.now
        #expect(throws: TranslationError.self) {
            while fed < 2 * SSEParser.defaultMaximumEventBytes {
                _ = try fast.feed(chunk)
                fed += chunk.count
            }
        }
        #expect(fed <= SSEParser.defaultMaximumEventBytes)
        #expect(ContinuousClock.now - started < .seconds(20), "linear, not quadratic, in the event's size")
        // With CR line endings the general parser takes over: bounded too.
        var general = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try general.feed(Array("data: {}\r\n\r\n".utf8))
        #expect(throws: TranslationError.self) {
            for _ in 0..<(SSEParser.defaultMaximumEventBytes / chunk.count + 2) { _ = try general.feed(chunk) }
        }
    }

    @Test func usageCountsOfIntMaxSaturate() throws {
        let anthropic = #"{"input_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,"cache_creation_input_tokens":9223372036854775807,"output_tokens":9223372036854775807}"#
        let usage = try #require(ResponseTranslator.usage(fromAnthropicUsageObject: Array(anthropic.utf8)))
        #expect(usage.promptTokens == TokenUsage.maximumCount)
        #expect(usage.completionTokens == TokenUsage.maximumCount)
        let openAI = #"{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"prompt_tokens_details":{"cached_tokens":-3}}"#
        let other = try #require(ResponseTranslator.usage(fromOpenAIUsageObject: Array(openAI.utf8)))
        #expect(other.totalTokens == 2 * TokenUsage.maximumCount)
        #expect(other.cachedPromptTokens == 0)
        // Several streamed chunks: Anthropic's message_delta usage after a message_start.
        var stream = AnthropicPassthroughStream()
        _ = try stream.translate(SSEEvent(event: "message_start", data: #"{"type":"message_start","message":{"id":"m","usage":\#(anthropic)}}"#))
        _ = try stream.translate(SSEEvent(event: "message_delta", data: #"{"type":"message_delta","delta":{},"usage":{"output_tokens":9223372036854775807}}"#))
        #expect(stream.usage?.totalTokens == 2 * TokenUsage.maximumCount)
    }
}

extension SSEParser {
    /// One whole input and its end, for tests.
    fileprivate func appendingOnce(_ text: String) throws -> [SSEEvent] {
        var copy = self
        return try copy.append(text.utf8) + copy.finish()
    }
}
