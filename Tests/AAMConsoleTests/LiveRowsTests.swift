import AAMControlProtocol
import Foundation
import Testing

@testable import AAMConsole

/// `LiveRows` reads the ring in place when nothing filters, sorts or freezes the list, and
/// shows the same rows in the same order as copying them out would.
@Suite("Live rows")
struct LiveRowsTests {
    @Test func theRingViewMatchesTheCopiedRowsBeforeAndAfterTheRingWraps() {
        var ring = CallRing(capacity: 7)
        for index in 0..<20 {
            ring.append(Fixtures.call(index))
            let view = LiveRows(newestFirstIn: ring)
            #expect(Array(view) == ring.newestFirst)
            #expect(view.count == min(index + 1, 7))
            #expect(view.first?.requestId == Fixtures.call(index).requestId)
        }
    }

    @Test func aSnapshotKeepsItsRowsWhileTheRingMovesOn() {
        var ring = CallRing(capacity: 3)
        for index in 0..<3 { ring.append(Fixtures.call(index)) }
        let snapshot = LiveRows(newestFirstIn: ring)
        ring.append(Fixtures.call(3))
        #expect(snapshot.map(\.requestId) == [2, 1, 0].map { Fixtures.call($0).requestId })
        #expect(snapshot != LiveRows(newestFirstIn: ring))
    }

    @Test func theStateListsTheSameRowsWithAndWithoutAFilterThatMatchesAll() {
        var state = ConsoleState(now: Fixtures.now, timeZone: Fixtures.utc, screenSize: ScreenSize(width: 100, height: 30))
        for index in 0..<30 { _ = state.apply(Fixtures.eventMessage(Fixtures.call(index))) }
        let unfiltered = state.liveRows
        state.filter = "acme"  // every fixture call's scope contains it
        #expect(state.liveRows == unfiltered)
        #expect(state.itemCount(for: .live) == 30)
    }
}
