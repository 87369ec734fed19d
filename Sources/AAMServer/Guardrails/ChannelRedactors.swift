import AAMCore

/// A streamed text a response guardrail watches: one choice's content, one content block, one
/// Responses output text. `location` names it in the guardrail's decisions.
protocol RedactedChannel: Hashable, Sendable {
    var location: String { get }
}

/// The `StreamRedactor`s of one streamed answer, one per channel, in the order the channels
/// first carried text: what every stream filter (chat, messages, Responses) needs to hold
/// text back per channel and release it when the channel ends. The filters keep only their
/// wire format: how a delta looks and how a block ends the stream.
struct ChannelRedactors<Channel: RedactedChannel>: Sendable {
    let engine: GuardrailEngine
    let windowBytes: Int
    private var redactors: [Channel: StreamRedactor] = [:]
    private(set) var channels: [Channel] = []
    private var finished: Set<Channel> = []

    init(engine: GuardrailEngine, windowBytes: Int) {
        self.engine = engine
        self.windowBytes = windowBytes
    }

    /// Every channel's decisions, channel by channel.
    var decisions: [GuardrailDecision] { channels.flatMap { redactors[$0]?.decisions ?? [] } }

    /// Whether `channel` has carried text yet.
    func has(_ channel: Channel) -> Bool { redactors[channel] != nil }

    /// A delta of `channel` through its redactor (made on its first text): what is safe to send
    /// now, and the decision if this text blocks.
    mutating func feed(_ text: String, _ channel: Channel) -> StreamRedactor.Output {
        if redactors[channel] == nil { channels.append(channel) }
        return redactors[channel, default: engine.streamRedactor(location: channel.location, window: windowBytes)].feed(text)
    }

    /// Ends the matching channels not yet ended, in order: the held rest of each (empty rests
    /// left out), up to the first whose rest blocks, which comes back as `block` with what its
    /// redactor released before the match. Channels after a block stay open.
    mutating func finish(_ matching: (Channel) -> Bool) -> (released: [(Channel, String)], block: (Channel, StreamRedactor.Output)?) {
        var released: [(Channel, String)] = []
        for channel in channels where matching(channel) && !finished.contains(channel) {
            guard var redactor = redactors[channel] else { continue }
            finished.insert(channel)
            let output = redactor.finish()
            redactors[channel] = redactor
            if output.blocked != nil { return (released, (channel, output)) }
            if !output.text.isEmpty { released.append((channel, output.text)) }
        }
        return (released, nil)
    }
}
