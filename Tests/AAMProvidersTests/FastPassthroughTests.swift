import AAMCore
@testable import AAMProviders
import Testing

/// The byte-level OpenAI pass-through must be indistinguishable from the general one.
@Suite("OpenAI fast pass-through")
struct FastPassthroughTests {
    static func general(_ upstream: [UInt8], usage clientUsage: Bool) throws -> (bytes: [UInt8], translator: OpenAIPassthroughStream) {
        var translator = OpenAIPassthroughStream(clientRequestedUsage: clientUsage)
        let bytes = try SSE.run(&translator, upstream: upstream)
        return (bytes, translator)
    }

    @Test(arguments: [false, true])
    func everySplitMatchesTheGeneralPath(clientUsage: Bool) throws {
        let upstream = try Fixture.bytes("openai/stream_tool_calls.sse")
        let expected = try Self.general(upstream, usage: clientUsage)
        for split in 0...upstream.count {
            var fast = OpenAIFastPassthrough(clientRequestedUsage: clientUsage)
            var output = try fast.feed(upstream[..<split])
            output += try fast.feed(upstream[split...])
            output += try fast.finish()
            #expect(output == expected.bytes, "split at \(split)")
            #expect(fast.usage == expected.translator.usage)
            #expect(fast.sawTerminalEvent && fast.emittedContent)
        }
    }

    @Test func crlfStreamsFallBackToTheGeneralParser() throws {
        let upstream = Array(String(decoding: try Fixture.bytes("openai/stream_tool_calls.sse"), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let expected = try Self.general(upstream, usage: false)
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        let output = try fast.feed(upstream.prefix(100)) + fast.feed(upstream.dropFirst(100)) + fast.finish()
        #expect(output == expected.bytes)
        #expect(fast.usage == expected.translator.usage)
    }

    @Test func roleChunkAloneIsNotContentAndTruncationIsVisible() throws {
        let role = Array(#"data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#.utf8) + [0x0A, 0x0A]
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        let output = try fast.feed(role)
        #expect(output == role)
        #expect(!fast.emittedContent)
        _ = try fast.finish()
        #expect(!fast.sawTerminalEvent)
    }

    @Test func inBandErrorsAreDetected() throws {
        let error = Array(#"data: {"error":{"message":"overloaded","type":"server_error"}}"#.utf8) + [0x0A, 0x0A]
        var fast = OpenAIFastPassthrough(clientRequestedUsage: false)
        _ = try fast.feed(error)
        #expect(fast.upstreamError?.message == "overloaded")
    }
}
