import AAMCore
import Testing

@testable import AAMProviders

/// The stream relay's decisions, event by event, with an injected clock (`StreamRelayMachine`).
@Suite struct StreamRelayMachineTests {
    typealias Progress = StreamRelayMachine.Progress

    let start = ContinuousClock.now
    var deadline: ContinuousClock.Instant { start + .seconds(10) }
    /// An instant `seconds` after the start (the deadline is at 10).
    func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    static let nothing = Progress()
    static let content = Progress(emittedContent: true)
    static let contentDone = Progress(emittedContent: true, sawTerminalEvent: true)

    /// A machine past its peek: the head is out and the first content was flushed.
    func streaming() -> StreamRelayMachine {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Self.content, now: at(1))) == .commit)
        #expect(machine.handle(.responseStarted) == .flushAndRead)
        return machine
    }

    // MARK: Peeking

    @Test func holdsBackUntilTheFirstContentByteThenCommits() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.phase == .peeking)
        // A role-only chunk, a keep-alive: nothing the client could see yet.
        #expect(machine.handle(.fed(Self.nothing, now: at(1))) == .read)
        #expect(machine.handle(.fed(Self.nothing, now: at(2))) == .read)
        #expect(machine.phase == .peeking)
        #expect(machine.handle(.fed(Self.content, now: at(3))) == .commit)
        #expect(machine.phase == .streaming)
        #expect(machine.handle(.responseStarted) == .flushAndRead)
    }

    @Test func anUpstreamErrorBeforeContentFailsOverUnseen() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Self.nothing, now: at(1))) == .read)
        #expect(machine.handle(.fed(Progress(upstreamError: true), now: at(1))) == .failOver(.upstreamStreamError))
        #expect(machine.phase == .finished)
        // Nothing after the verdict changes it.
        #expect(machine.handle(.fed(Self.content, now: at(2))) == .ignore)
    }

    @Test func anUpstreamThatEndsOrFailsBeforeContentFailsOver() {
        var ended = StreamRelayMachine(deadline: deadline)
        #expect(ended.handle(.upstreamEnded) == .failOver(.upstreamStreamTruncated))
        var failed = StreamRelayMachine(deadline: deadline)
        #expect(failed.handle(.fed(Self.nothing, now: at(1))) == .read)
        #expect(failed.handle(.upstreamReadFailed) == .failOver(.upstreamStreamFailed))
    }

    @Test func aCompleteButEmptyStreamIsAnAnswerNotAFailure() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Progress(sawTerminalEvent: true), now: at(1))) == .commit)
        // The head goes out, then the terminator waits for the record (no flush first).
        #expect(machine.handle(.responseStarted) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Progress(sawTerminalEvent: true))) == .end(failure: nil, inBandError: false))
        #expect(machine.handle(.recorded(durable: true)) == .writeTail)
        #expect(machine.phase == .finished)
    }

    @Test func aGuardrailBlockBeforeContentIsTheClientsAnswer() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Progress(guardrailBlocked: true), now: at(1))) == .commit)
        // The guardrail's own in-band error is pending: no second one, and no translator flush.
        #expect(machine.handle(.responseStarted) == .end(failure: .guardrailBlocked, inBandError: false))
        #expect(machine.handle(.recorded(durable: true)) == .writeTail)
    }

    @Test func aPeekPastTheDeadlineFailsOver() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Self.nothing, now: at(9))) == .read)
        #expect(machine.handle(.fed(Self.nothing, now: at(11))) == .failOver(.upstreamTotalTimeout))
    }

    @Test func theClientLeavingDuringThePeekIsACancellation() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.fed(Self.nothing, now: at(1))) == .read)
        #expect(machine.handle(.clientGone) == .abandon(.clientCancelled))
        #expect(machine.phase == .finished)
    }

    // MARK: Streaming

    @Test func aCompleteStreamEndsWithTheUpstreamsTerminatorAfterTheRecord() {
        var machine = streaming()
        #expect(machine.handle(.fed(Self.content, now: at(2))) == .flushAndRead)
        #expect(machine.handle(.fed(Self.contentDone, now: at(3))) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .end(failure: nil, inBandError: false))
        #expect(machine.phase == .ending)
        #expect(machine.handle(.recorded(durable: true)) == .writeTail)
        #expect(machine.phase == .finished)
    }

    @Test func anUpstreamErrorAfterContentEndsInBandWithTheVendorsOwnEvent() {
        var machine = streaming()
        let failed = Progress(emittedContent: true, upstreamError: true)
        #expect(machine.handle(.fed(failed, now: at(2))) == .finishUpstream)
        // The translator already turned the vendor's error into the client's error event.
        #expect(machine.handle(.upstreamFinished(failed)) == .end(failure: .upstreamStreamError, inBandError: false))
    }

    @Test func anUpstreamThatStopsWithoutItsTerminatorIsATruncation() {
        var machine = streaming()
        #expect(machine.handle(.upstreamEnded) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.content)) == .end(failure: .upstreamStreamTruncated, inBandError: true))
        #expect(machine.handle(.recorded(durable: true)) == .writeTail)
    }

    @Test func theParsersLastEventCanStillCompleteTheStream() {
        // A terminator without its trailing blank line arrives only when the parser is flushed.
        var machine = streaming()
        #expect(machine.handle(.upstreamEnded) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .end(failure: nil, inBandError: false))
    }

    @Test func aGuardrailBlockMidStreamStopsReadingAtOnce() {
        var machine = streaming()
        let blocked = Progress(emittedContent: true, guardrailBlocked: true)
        #expect(machine.handle(.fed(blocked, now: at(2))) == .end(failure: .guardrailBlocked, inBandError: false))
    }

    @Test func aGuardrailBlockInTheHeldBackTailIsStillABlock() {
        var machine = streaming()
        #expect(machine.handle(.fed(Self.contentDone, now: at(2))) == .finishUpstream)
        let blockedAtFlush = Progress(emittedContent: true, sawTerminalEvent: true, guardrailBlocked: true)
        #expect(machine.handle(.upstreamFinished(blockedAtFlush)) == .end(failure: .guardrailBlocked, inBandError: false))
    }

    @Test func aChattyStreamPastTheDeadlineIsCut() {
        var machine = streaming()
        #expect(machine.handle(.fed(Self.content, now: at(10))) == .flushAndRead)  // at the deadline: not past it
        #expect(machine.handle(.fed(Self.content, now: at(11))) == .end(failure: .upstreamTotalTimeout, inBandError: true))
    }

    @Test func aStreamThatEndsAfterTheDeadlineIsNotCut() {
        // The deadline cuts a stream that keeps going, not one whose terminator arrived.
        var machine = streaming()
        #expect(machine.handle(.fed(Self.contentDone, now: at(30))) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .end(failure: nil, inBandError: false))
    }

    @Test func aFailedReadProbesTheClientBeforeCallingItATruncation() {
        var stillThere = streaming()
        #expect(stillThere.handle(.upstreamReadFailed) == .probeClient)
        #expect(stillThere.handle(.clientStillThere) == .end(failure: .upstreamStreamFailed, inBandError: true))

        var gone = streaming()
        #expect(gone.handle(.upstreamReadFailed) == .probeClient)
        #expect(gone.handle(.clientGone) == .abandon(.clientDisconnected))
        #expect(gone.phase == .finished)
    }

    @Test func aFailedFlushOfTheTranslatorAfterAVendorErrorAddsNoSecondError() {
        var machine = streaming()
        let failed = Progress(emittedContent: true, upstreamError: true)
        #expect(machine.handle(.fed(failed, now: at(2))) == .finishUpstream)
        #expect(machine.handle(.upstreamReadFailed) == .probeClient)
        #expect(machine.handle(.clientStillThere) == .end(failure: .upstreamStreamFailed, inBandError: false))
    }

    @Test func theClientLeavingMidStreamIsADisconnection() {
        var machine = streaming()
        #expect(machine.handle(.clientGone) == .abandon(.clientDisconnected))
        #expect(machine.handle(.fed(Self.content, now: at(2))) == .ignore)
    }

    // MARK: Ending

    @Test func aRecordThatIsNotDurableWithholdsTheTail() {
        var machine = streaming()
        #expect(machine.handle(.fed(Self.contentDone, now: at(2))) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .end(failure: nil, inBandError: false))
        #expect(machine.handle(.recorded(durable: false)) == .withholdTail)
    }

    @Test func theClientLeavingDuringTheLastWriteKeepsTheRecordedOutcome() {
        var machine = streaming()
        #expect(machine.handle(.upstreamEnded) == .finishUpstream)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .end(failure: nil, inBandError: false))
        // While the record is being made durable the client leaves: no second finish.
        #expect(machine.handle(.clientGone) == .ignore)
        #expect(machine.phase == .finished)
    }

    @Test func eventsThatCannotHappenInAPhaseChangeNothing() {
        var machine = StreamRelayMachine(deadline: deadline)
        #expect(machine.handle(.recorded(durable: true)) == .ignore)
        #expect(machine.handle(.upstreamFinished(Self.contentDone)) == .ignore)
        #expect(machine.handle(.clientStillThere) == .ignore)
        #expect(machine.phase == .peeking)
        #expect(machine.handle(.fed(Self.content, now: at(1))) == .commit)
    }
}
