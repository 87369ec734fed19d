/// What a model call that ended early is billed: the rule that keeps a caller from evading its
/// budgets by hanging up before the vendor's usage report.
///
/// A stream reports usage at its end (OpenAI's usage chunk, Anthropic's last `message_delta`),
/// so a stream that ends any other way (the client leaves, the upstream truncates it or sends
/// an in-band error, a response guardrail blocks it, the alias's time budget runs out) has no
/// final report, yet the vendor bills what it produced. Such a call settles at least what was
/// delivered:
///
/// - prompt: the upstream's reported prompt tokens if it gave any (`message_start`, a usage
///   chunk), else the admission estimate's prompt part (request body bytes / 4), so a client
///   that leaves before any content byte still pays for its prompt once the upstream accepted;
/// - completion: the larger of the reported completion tokens and the output the upstream
///   produced so far (text, refusal, tool-call arguments and reasoning deltas received from it,
///   whether or not the client read them) at ``bytesPerToken`` bytes a token, rounded up.
///
/// A stream that completed with a usage report settles that report unchanged. The usage is
/// `estimated` when any figure in it is the gateway's rather than the vendor's; it is priced
/// like any call and settles every hold (scope budgets, TPM windows, daily agent budgets).
public enum EarlyEndSettlement {
    /// The gateway's one token estimator (as for admission's prompt estimate).
    public static let bytesPerToken = 4

    /// The usage to settle and whether the gateway estimated any of it.
    public struct Settled: Sendable, Hashable {
        public var usage: TokenUsage
        public var estimated: Bool

        public init(usage: TokenUsage, estimated: Bool) {
            self.usage = usage
            self.estimated = estimated
        }
    }

    /// Completion tokens of `bytes` bytes of output: ceil(bytes / 4); never negative.
    public static func tokens(ofOutputBytes bytes: Int) -> Int {
        guard bytes > 0 else { return 0 }
        return bytes / bytesPerToken + (bytes % bytesPerToken == 0 ? 0 : 1)
    }

    /// The prompt tokens admission estimates for a request body of `bodyBytes` bytes.
    public static func promptEstimate(bodyBytes: Int) -> Int { max(bodyBytes, 0) / bytesPerToken }

    /// - Parameters:
    ///   - completed: the stream reached the upstream's own terminal event with no error.
    ///   - reported: the usage the upstream reported so far (nil if none).
    ///   - promptEstimate: the admission estimate's prompt tokens.
    ///   - outputBytes: bytes of model output received from the upstream.
    public static func settle(completed: Bool, reported: TokenUsage?, promptEstimate: Int, outputBytes: Int) -> Settled {
        if completed, let reported { return Settled(usage: reported, estimated: false) }
        var usage = TokenUsage()
        if let reported, reported.promptTokens > 0 {
            usage.promptTokens = reported.promptTokens
            usage.cachedPromptTokens = reported.cachedPromptTokens
        } else {
            usage.promptTokens = max(promptEstimate, 0)
        }
        usage.completionTokens = max(reported?.completionTokens ?? 0, tokens(ofOutputBytes: outputBytes))
        return Settled(usage: usage, estimated: usage != reported)
    }
}
