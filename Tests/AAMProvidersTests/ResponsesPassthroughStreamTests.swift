import AAMCore
@testable import AAMProviders
import Foundation
import Testing

/// The Responses pass-through stream: the client gets the upstream's exact bytes however they
/// are split, while usage, the end, the vendor's failure and the numbering are read along.
@Suite struct ResponsesPassthroughStreamTests {
    static func event(_ type: String, _ sequence: Int, _ fields: String) -> String {
        "event: \(type)\ndata: {\"type\":\"\(type)\",\"sequence_number\":\(sequence)\(fields.isEmpty ? "" : ",")\(fields)}\n\n"
    }

    static let stream: [UInt8] = Array((
        event("response.created", 0, #""response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}"#)
        + ": keep-alive\r\n\r\n"
        + event("response.output_item.added", 1, #""output_index":0,"item":{"id":"msg_1","type":"message","content":[]}"#)
        + event("response.output_text.delta", 2, #""item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hé \"sequence_number\":99""#)
        + event("response.output_item.done", 3, #""output_index":0,"item":{"id":"msg_1","type":"message","content":[{"type":"output_text","text":"Hé"}]}"#)
        + event("response.completed", 4, #""response":{"id":"resp_1","status":"completed","usage":{"input_tokens":11,"input_tokens_details":{"cached_tokens":4},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":18}}"#)
    ).utf8)

    @Test func everySplitPassesTheExactBytesAndReadsTheUsage() throws {
        for split in stride(from: 0, through: Self.stream.count, by: 7) {
            var fast = ResponsesFastPassthrough()
            var out = try fast.feed(Self.stream[..<split])
            #expect(!fast.sawTerminalEvent || split == Self.stream.count)
            out += try fast.feed(Self.stream[split...])
            out += try fast.finish()
            #expect(out == Self.stream, "split at \(split)")
            #expect(fast.usage == TokenUsage(promptTokens: 11, completionTokens: 7, cachedPromptTokens: 4))
            #expect(fast.sawTerminalEvent && fast.emittedContent && fast.upstreamError == nil)
            #expect(fast.outputBytes > 0)
        }
    }

    /// Before the first delta nothing is content (a failure there can still fail over).
    @Test func contentStartsWithTheFirstDelta() throws {
        var fast = ResponsesFastPassthrough()
        _ = try fast.feed(Array(Self.event("response.created", 0, #""response":{"id":"resp_1"}"#).utf8))
        #expect(!fast.emittedContent)
        _ = try fast.feed(Array(Self.event("response.output_text.delta", 1, #""delta":"x""#).utf8))
        #expect(fast.emittedContent)
    }

    @Test func theVendorsFailureIsRead() throws {
        var fast = ResponsesFastPassthrough()
        _ = try fast.feed(Array((Self.event("response.created", 0, #""response":{"id":"resp_1"}"#)
            + Self.event("error", 1, #""code":"server_error","message":"The model failed.","param":null"#)).utf8))
        #expect(fast.upstreamError == UpstreamStreamError(type: "server_error", message: "The model failed."))
        var failed = ResponsesFastPassthrough()
        _ = try failed.feed(Array(Self.event("response.failed", 0, #""response":{"id":"resp_1","status":"failed","error":{"code":"rate_limit_exceeded","message":"Slow down."}}"#).utf8))
        #expect(failed.upstreamError?.type == "rate_limit_exceeded")
        #expect(failed.sawTerminalEvent)
    }

    /// The gateway's own end continues the client's numbering, after the announced response.
    @Test func theGatewaysFailureIsNumberedOn() throws {
        var cut = ResponsesFastPassthrough()
        let text = String(decoding: Self.stream, as: UTF8.self)
        let upToDelta = text.components(separatedBy: "event: response.output_item.done")[0]
        _ = try cut.feed(Array(upToDelta.utf8))
        let failure = try #require(cut.inBandFailure(code: "upstream_stream_truncated", message: "cut"))
        let events = String(decoding: failure, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.count == 2)
        let objects = try events.map { event -> [String: Any] in
            let data = try #require(event.components(separatedBy: "\n").first { $0.hasPrefix("data: ") }).dropFirst(6)
            return try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["type"] as? String } == ["error", "response.failed"])
        #expect(objects.map { $0["sequence_number"] as? Int } == [3, 4], "the delta's text cannot fake a number")
        #expect(objects[0]["code"] as? String == "upstream_stream_truncated")
        let response = try #require(objects[1]["response"] as? [String: Any])
        #expect(response["id"] as? String == "resp_1")
        #expect(response["status"] as? String == "failed")
        #expect((response["error"] as? [String: Any])?["code"] as? String == "upstream_stream_truncated")
    }

    @Test func thePlainBridgeKeepsTheBodyAndReadsItsUsage() throws {
        let body = Array(#"{"id":"resp_1", "object":"response","usage":{"input_tokens":5,"output_tokens":2,"input_tokens_details":{"cached_tokens":1}}}"#.utf8)
        let (out, usage) = try OpenAIResponsesPassthroughBridge().responseBody(body, responseModel: "m")
        #expect(out == body)
        #expect(usage == TokenUsage(promptTokens: 5, completionTokens: 2, cachedPromptTokens: 1))
        let request = Array(#"{ "model" : "alias", "input":"hi","store":true}"#.utf8)
        let upstream = try OpenAIResponsesPassthroughBridge().requestBody(request, scan: try JSONObjectScanner(request), upstreamModel: "gpt-4o", stream: false)
        #expect(String(decoding: upstream, as: UTF8.self) == #"{ "model" : "gpt-4o", "input":"hi","store":true}"#)
    }
}
