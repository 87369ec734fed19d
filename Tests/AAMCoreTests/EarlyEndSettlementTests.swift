import AAMCore
import Testing

/// The early-end billing rule, stream event by stream event: what a call is settled at if it
/// ends right there (client gone, upstream cut, guardrail, deadline).
@Suite struct EarlyEndSettlementTests {
    typealias Rule = EarlyEndSettlement

    @Test func outputBytesRoundUpToTokens() {
        #expect(Rule.tokens(ofOutputBytes: 0) == 0)
        #expect(Rule.tokens(ofOutputBytes: -5) == 0)
        #expect(Rule.tokens(ofOutputBytes: 1) == 1)
        #expect(Rule.tokens(ofOutputBytes: 4) == 1)
        #expect(Rule.tokens(ofOutputBytes: 5) == 2)
        #expect(Rule.tokens(ofOutputBytes: Int.max) == Int.max / 4 + 1, "no overflow at the edge")
        #expect(Rule.promptEstimate(bodyBytes: 403) == 100)
        #expect(Rule.promptEstimate(bodyBytes: -1) == 0)
    }

    /// An OpenAI stream reports usage only in its last chunk: every earlier end is estimated.
    @Test func openAIStreamEndingAtEachEvent() {
        let prompt = 100  // the admission estimate's prompt part
        // (output bytes received so far, usage reported so far, terminal seen)
        let events: [(bytes: Int, reported: TokenUsage?, completed: Bool)] = [
            (0, nil, false),  // head accepted, role chunk only: the client left before any content
            (8, nil, false),  // "Checking"
            (21, nil, false),  // " both cities."
            (21, TokenUsage(promptTokens: 85, completionTokens: 48), false),  // usage chunk, no [DONE] yet
            (21, TokenUsage(promptTokens: 85, completionTokens: 48), true),  // [DONE]
        ]
        let expected: [(TokenUsage, Bool)] = [
            (TokenUsage(promptTokens: 100, completionTokens: 0), true),
            (TokenUsage(promptTokens: 100, completionTokens: 2), true),
            (TokenUsage(promptTokens: 100, completionTokens: 6), true),
            (TokenUsage(promptTokens: 85, completionTokens: 48), false),  // the report already covers the output
            (TokenUsage(promptTokens: 85, completionTokens: 48), false),
        ]
        for (index, (event, want)) in zip(events, expected).enumerated() {
            let settled = Rule.settle(completed: event.completed, reported: event.reported, promptEstimate: prompt, outputBytes: event.bytes)
            #expect(settled.usage == want.0, "after event \(index)")
            #expect(settled.estimated == want.1, "after event \(index)")
        }
    }

    /// Anthropic reports the prompt in `message_start` (and a token or two of output): that prompt
    /// figure wins over the estimate, the output is the larger of report and count.
    @Test func anthropicStreamEndingAtEachEvent() {
        let start = TokenUsage(promptTokens: 472, completionTokens: 2, cachedPromptTokens: 400)
        let final = TokenUsage(promptTokens: 472, completionTokens: 89, cachedPromptTokens: 400)
        let events: [(bytes: Int, reported: TokenUsage?, completed: Bool)] = [
            (0, start, false),  // message_start
            (4, start, false),  // "Okay"
            (48, start, false),  // the rest of the sentence
            (111, final, false),  // message_delta with the final count, no message_stop
            (111, final, true),  // message_stop
        ]
        let expected: [(TokenUsage, Bool)] = [
            (start, false),  // nothing beyond the vendor's own figures
            (start, false),  // 1 token counted < 2 reported
            (TokenUsage(promptTokens: 472, completionTokens: 12, cachedPromptTokens: 400), true),
            (final, false),
            (final, false),
        ]
        for (index, (event, want)) in zip(events, expected).enumerated() {
            let settled = Rule.settle(completed: event.completed, reported: event.reported, promptEstimate: 10, outputBytes: event.bytes)
            #expect(settled.usage == want.0, "after event \(index)")
            #expect(settled.estimated == want.1, "after event \(index)")
        }
    }

    @Test func aCompletedStreamWithoutAReportIsEstimated() {
        let settled = Rule.settle(completed: true, reported: nil, promptEstimate: 30, outputBytes: 41)
        #expect(settled == .init(usage: TokenUsage(promptTokens: 30, completionTokens: 11), estimated: true))
    }

    @Test func countedOutputBeyondTheReportWins() {
        // A partial report (prompt only) never lowers what was produced.
        let settled = Rule.settle(
            completed: false, reported: TokenUsage(promptTokens: 50, completionTokens: 3), promptEstimate: 70, outputBytes: 400)
        #expect(settled.usage == TokenUsage(promptTokens: 50, completionTokens: 100))
        #expect(settled.estimated)
    }

    @Test func aReportWithoutPromptUsesTheEstimate() {
        let settled = Rule.settle(
            completed: false, reported: TokenUsage(promptTokens: 0, completionTokens: 0), promptEstimate: 70, outputBytes: 0)
        #expect(settled.usage == TokenUsage(promptTokens: 70, completionTokens: 0))
        #expect(settled.estimated)
    }
}
