import Foundation
import Synchronization
import Testing

@testable import AAMServer

/// The access log never blocks a call: lines queue and a private queue writes them; a reader
/// that stops reading costs dropped lines (counted), never a stalled daemon.
@Suite("Access log writer")
struct AccessLogWriterTests {
    @Test func linesAreWrittenInOrderAndDrainWaitsForThem() async {
        let written = Mutex<[UInt8]>([])
        let writer = AccessLogWriter(descriptor: -1) { bytes, _ in written.withLock { $0 += bytes } }
        for index in 0..<500 { writer.append(Array("line \(index)\n".utf8)) }
        await writer.drain()
        let lines = String(decoding: written.withLock { $0 }, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 500 && lines.first == "line 0" && lines.last == "line 499")
        #expect(writer.dropped == 0)
    }

    @Test func aStuckReaderCostsDroppedLinesNotABlockedCaller() async throws {
        // The write blocks until released, as a full pipe nobody reads.
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let writer = AccessLogWriter(descriptor: -1, maxPendingBytes: 1_000) { _, _ in
            started.signal()
            release.wait()
        }
        writer.append(Array(repeating: 0x41, count: 99) + [0x0A])
        // The first batch is being written (and stuck); appends return at once and fill the buffer.
        #expect(started.wait(timeout: .now() + 60) == .success)
        let begun = ContinuousClock.now
        for _ in 0..<50 { writer.append(Array(repeating: 0x42, count: 99) + [0x0A]) }
        #expect(ContinuousClock.now - begun < .seconds(5), "appending never waited for the stuck write")
        #expect(writer.dropped == 40, "1,000 bytes hold 10 lines of 100 while the first is stuck")
        release.signal()
        release.signal()
        await writer.drain()
    }
}
