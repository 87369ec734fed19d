import Dispatch
import Foundation

/// Runs `stop` when one of `signals` arrives, instead of the signal's default (ending the
/// process at once, mid-line): a following command (`aam calls tail`) cancels its work and
/// exits cleanly. `cancel()` restores the defaults.
final class SignalStop {
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    init(signals: [Int32], stop: @escaping @Sendable () -> Void) {
        self.signals = signals
        sources = signals.map { number in
            // Ignored first, so the dispatch source (not the default action) sees it.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: stop)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
