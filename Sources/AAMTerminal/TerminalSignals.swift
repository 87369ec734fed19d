import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag the UI loop polls, so the loop (which owns curses)
/// restores the terminal itself instead of curses state being torn down inside a signal handler.
public final class TerminalSignals: Sendable {
    private final class Received: Sendable { let number = Atomic<Int32>(0) }
    private let received = Received()
    // Written once in init and only cancelled in deinit; Dispatch sources are thread-safe.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    public init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [received] in received.number.store(number, ordering: .sequentiallyConsistent) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit { for source in sources { source.cancel() } }

    /// The signal that arrived, or nil.
    public var pending: Int32? {
        let value = received.number.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }
}
