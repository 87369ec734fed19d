import AAMCore

/// The life of one relayed stream, as a pure state machine: events in, actions out, no I/O.
///
/// Why a machine: a stream has to decide, chunk by chunk, between holding back (so a failure
/// before the first content byte can still fail over to another deployment unseen), streaming,
/// and ending honestly (the upstream's own terminator, or an in-band error in the client's
/// protocol, never a fake `[DONE]`). Written as flags in the relay those decisions could only be
/// tested end to end; here every path is one event sequence (`StreamRelayMachineTests`).
///
/// The shell (`ResponseRelay` / `StreamWriterContext`) owns the bytes and the translator; it
/// feeds each upstream chunk through them, then tells the machine what the translator has seen
/// (`Progress`) and does what the returned `Action` says.
public struct StreamRelayMachine: Sendable {
    public enum Phase: Equatable, Sendable {
        /// Nothing sent to the client yet: every byte is held back until the first content.
        case peeking
        /// The 200 head is out; chunks are relayed as they come.
        case streaming
        /// The end is decided; the record is being finished (and made durable) before the tail.
        case ending
        case finished
    }

    /// What the stream translator (and the response guardrail) have seen so far.
    public struct Progress: Equatable, Sendable {
        /// A content byte (text, tool-call arguments) is among the translated output.
        public var emittedContent = false
        /// The upstream's own end-of-stream event arrived.
        public var sawTerminalEvent = false
        /// The upstream sent an error event (already translated for the client).
        public var upstreamError = false
        /// A response guardrail blocked; its in-band error is the client's answer.
        public var guardrailBlocked = false

        public init(emittedContent: Bool = false, sawTerminalEvent: Bool = false, upstreamError: Bool = false, guardrailBlocked: Bool = false) {
            self.emittedContent = emittedContent
            self.sawTerminalEvent = sawTerminalEvent
            self.upstreamError = upstreamError
            self.guardrailBlocked = guardrailBlocked
        }

        /// Nothing more should be read from the upstream.
        var isFinal: Bool { sawTerminalEvent || upstreamError || guardrailBlocked }
    }

    public enum Event: Equatable, Sendable {
        /// One upstream chunk went through the translator; `now` is checked against the deadline.
        case fed(Progress, now: ContinuousClock.Instant)
        /// The upstream body ended (no more chunks).
        case upstreamEnded
        /// The translator was flushed after the upstream's end (`Action.finishUpstream`).
        case upstreamFinished(Progress)
        /// Reading the upstream failed (reset, idle timeout, bad framing).
        case upstreamReadFailed
        /// The 200 head went out (after `Action.commit`).
        case responseStarted
        /// The client answered the probe written after a failed read (`Action.probeClient`).
        case clientStillThere
        /// The client left (a write failed, or the task was cancelled).
        case clientGone
        /// The call record is finished; `durable` is false when strict durability could not
        /// make it durable, in which case the tail must not be sent.
        case recorded(durable: Bool)
    }

    public enum Action: Equatable, Sendable {
        /// Keep reading the upstream (peeking: holding everything back).
        case read
        /// Send what is pending, then keep reading.
        case flushAndRead
        /// Nothing reached the client and this deployment's stream is unusable: record the
        /// attempt as failed with this class and try the next deployment.
        case failOver(ErrorCode)
        /// The peek succeeded: send the 200 head (then report `responseStarted`).
        case commit
        /// Flush the translator (parser remainder, trailer), then report `upstreamFinished`.
        case finishUpstream
        /// Write an SSE comment to learn whether a failed read was really the client leaving.
        case probeClient
        /// Finish the call record (`failure` nil: success; else truncated with that class),
        /// appending an in-band error for `failure` when `inBandError`; then report `recorded`.
        case end(failure: ErrorCode?, inBandError: Bool)
        /// Send the pending tail (terminating event or in-band error) and close the stream.
        case writeTail
        /// The record is not durable: drop the tail, send an `evidence_unavailable` error instead.
        case withholdTail
        /// The client left: settle what was delivered and record the call with this class.
        case abandon(ErrorCode)
        /// An event that cannot happen in this phase (a bug in the shell): end nothing, change nothing.
        case ignore
    }

    public private(set) var phase: Phase = .peeking
    /// The latest progress reported (it decides the ending after a failed read).
    public private(set) var progress = Progress()
    /// A stream still running past this instant ends with `upstream_total_timeout`.
    public let deadline: ContinuousClock.Instant

    public init(deadline: ContinuousClock.Instant) {
        self.deadline = deadline
    }

    public mutating func handle(_ event: Event) -> Action {
        switch phase {
        case .peeking: peeking(event)
        case .streaming: streaming(event)
        case .ending: ending(event)
        case .finished: .ignore
        }
    }

    private mutating func peeking(_ event: Event) -> Action {
        switch event {
        case .fed(let progress, let now):
            self.progress = progress
            // A guardrail block is the client's answer, content or not; so is a complete but
            // empty stream. An upstream error before any content can still fail over.
            if progress.emittedContent || progress.guardrailBlocked { return commit() }
            if progress.upstreamError { return failOver(.upstreamStreamError) }
            if progress.sawTerminalEvent { return commit() }
            if now > deadline { return failOver(.upstreamTotalTimeout) }
            return .read
        case .upstreamEnded: return failOver(.upstreamStreamTruncated)
        case .upstreamReadFailed: return failOver(.upstreamStreamFailed)
        case .clientGone:
            phase = .finished
            return .abandon(.clientCancelled)
        case .upstreamFinished, .responseStarted, .clientStillThere, .recorded: return .ignore
        }
    }

    private mutating func streaming(_ event: Event) -> Action {
        switch event {
        case .responseStarted:
            return next(after: progress, now: nil)
        case .fed(let progress, let now):
            self.progress = progress
            return next(after: progress, now: now)
        case .upstreamEnded: return .finishUpstream
        case .upstreamFinished(let progress):
            self.progress = progress
            if progress.guardrailBlocked { return end(.guardrailBlocked, inBand: false) }
            if progress.upstreamError { return end(.upstreamStreamError, inBand: false) }
            if !progress.sawTerminalEvent { return end(.upstreamStreamTruncated, inBand: true) }
            return end(nil, inBand: false)
        case .upstreamReadFailed:
            // A client that goes away often surfaces first as a failed upstream read: ask it.
            return .probeClient
        case .clientStillThere:
            return end(.upstreamStreamFailed, inBand: !progress.upstreamError && !progress.guardrailBlocked)
        case .clientGone:
            phase = .finished
            return .abandon(.clientDisconnected)
        case .recorded: return .ignore
        }
    }

    private mutating func ending(_ event: Event) -> Action {
        switch event {
        case .recorded(let durable):
            phase = .finished
            return durable ? .writeTail : .withholdTail
        case .clientGone:
            // Only the final write can fail here; the record already holds the outcome the
            // client was about to get.
            phase = .finished
            return .ignore
        case .fed, .upstreamEnded, .upstreamFinished, .upstreamReadFailed, .responseStarted, .clientStillThere: return .ignore
        }
    }

    /// After a chunk (or the head) in `streaming`: stop at the stream's end, cut it past the
    /// deadline, else relay and read on. `now` is nil when no time has passed worth checking.
    private mutating func next(after progress: Progress, now: ContinuousClock.Instant?) -> Action {
        if progress.guardrailBlocked { return end(.guardrailBlocked, inBand: false) }
        if progress.isFinal { return .finishUpstream }
        if let now, now > deadline { return end(.upstreamTotalTimeout, inBand: true) }
        return .flushAndRead
    }

    private mutating func commit() -> Action {
        phase = .streaming
        return .commit
    }

    private mutating func failOver(_ reason: ErrorCode) -> Action {
        phase = .finished
        return .failOver(reason)
    }

    private mutating func end(_ failure: ErrorCode?, inBand: Bool) -> Action {
        phase = .ending
        return .end(failure: failure, inBandError: inBand)
    }
}
