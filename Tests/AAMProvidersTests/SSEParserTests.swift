import Testing

@testable import AAMProviders

@Suite struct SSEParserTests {
    static let stream = "event: message_start\ndata: {\"a\":1}\n\n: keep-alive comment\n\ndata: line one\ndata: line two\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\ndata: [DONE]\n\n"
    static let expected = [
        SSEEvent(event: "message_start", data: "{\"a\":1}"),
        SSEEvent(event: nil, data: "line one\nline two"),
        SSEEvent(event: "ping", data: "{\"type\": \"ping\"}"),
        SSEEvent(event: nil, data: "[DONE]"),
    ]

    @Test func parsesEventsCommentsAndMultiLineData() throws {
        var parser = SSEParser()
        #expect(try parser.append(Self.stream.utf8) == Self.expected)
        #expect(parser.finish().isEmpty)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func everySplitPositionYieldsTheSameEvents(lineEnding: String) throws {
        let bytes = Array(Self.stream.replacingOccurrences(of: "\n", with: lineEnding).utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            let events = try parser.append(bytes[..<split]) + parser.append(bytes[split...]) + parser.finish()
            #expect(events == Self.expected, "split at \(split)")
        }
    }

    @Test func byteByByteFeeding() throws {
        let bytes = try Fixture.bytes("anthropic/stream_tool_use.sse")
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += try parser.append([byte]) }
        events += parser.finish()
        #expect(events == SSE.events(bytes))
        #expect(events.count == 14)
        #expect(events.filter { $0.event == "ping" }.count == 1)
    }

    @Test func everySplitOfARealFixture() throws {
        let bytes = try Fixture.bytes("openai/stream_tool_calls.sse")
        let whole = SSE.events(bytes)
        #expect(whole.count == 13)
        for split in stride(from: 0, through: bytes.count, by: 7) {
            var parser = SSEParser()
            #expect(try parser.append(bytes[..<split]) + parser.append(bytes[split...]) + parser.finish() == whole)
        }
    }

    @Test func fieldSyntaxEdgeCases() throws {
        var parser = SSEParser()
        // No space after the colon, a bare "data" line (empty value), id/retry ignored, unknown fields ignored.
        let events = try parser.append("data:x\nid: 7\nretry: 100\nfoo: bar\n\ndata\n\ndata:  two spaces\n\n".utf8)
        #expect(events == [SSEEvent(data: "x"), SSEEvent(data: ""), SSEEvent(data: " two spaces")])
    }

    @Test func eventWithoutDataIsNotDispatched() throws {
        var parser = SSEParser()
        #expect(try parser.append("event: lonely\n\ndata: after\n\n".utf8) == [SSEEvent(data: "after")])
    }

    @Test func finishDeliversAnUnterminatedLastEvent() throws {
        var parser = SSEParser()
        #expect(try parser.append("data: [DONE]".utf8).isEmpty)
        #expect(parser.finish() == [SSEEvent(data: "[DONE]")])
        #expect(parser.finish().isEmpty)
    }

    @Test func encodedRoundTrips() throws {
        for event in Self.expected + [SSEEvent(event: "x", data: "a\n\nb")] {
            var parser = SSEParser()
            #expect(try parser.append(event.encoded()) == [event])
        }
        #expect(SSEEvent(event: "ping", data: "{}").encoded().text == "event: ping\ndata: {}\n\n")
        #expect(SSEEvent.openAIDone.encoded().text == "data: [DONE]\n\n")
    }

    @Test func utf8SplitInsideACharacter() throws {
        let bytes = Array("data: héllo 😀\n\n".utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            #expect(try parser.append(bytes[..<split]) + parser.append(bytes[split...]) == [SSEEvent(data: "héllo 😀")])
        }
    }

    @Test func leadingByteOrderMarkIsIgnoredAtAnySplit() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            #expect(try parser.append(bytes[..<split]) + parser.append(bytes[split...]) == [SSEEvent(data: "x")], "split at \(split)")
        }
        var parser = SSEParser()
        #expect(try parser.append([0xEF, 0xBB] + Array("\ndata: y\n\n".utf8)).count == 1, "a partial BOM is a (bogus) field line, not dropped silently")
    }
}
