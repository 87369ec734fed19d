import Hummingbird
import NIOCore

/// Per-request context: only the connection's channel, which the fake needs to cut a
/// connection abruptly (mid-stream disconnects, hangs released at shutdown).
///
/// A custom responder with this minimal context avoids the Router and its per-request
/// parameter storage; the fake routes on a handful of fixed paths itself.
struct FakeUpstreamContext: InitializableFromSource {
    typealias Source = ApplicationRequestContextSource
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.channel = source.channel
    }
}

/// Thrown out of a handler after the fake closed the connection on purpose, so Hummingbird
/// does not try to finish the response.
struct FakeConnectionAborted: Error {}

enum ConnectionCut {
    /// Closes the connection now, without finishing the HTTP message, and returns the error
    /// the caller must throw.
    static func cut(_ channel: any Channel) async -> FakeConnectionAborted {
        try? await channel.close()
        return FakeConnectionAborted()
    }

    /// Sleeps, or cuts the connection when the sleep is cancelled (the fake is stopping).
    static func pause(milliseconds: Int, channel: any Channel) async throws {
        guard milliseconds > 0 else { return }
        do {
            try await Task.sleep(for: .milliseconds(milliseconds))
        } catch {
            throw await cut(channel)
        }
    }

    /// Waits until the task is cancelled, which happens only when the fake stops, then cuts.
    static func hang(channel: any Channel) async -> FakeConnectionAborted {
        while !Task.isCancelled {
            // A long sleep rather than a continuation: cancellation of the server task reaches
            // it through structured concurrency, so nothing has to track hanging requests.
            try? await Task.sleep(for: .seconds(3600))
        }
        return await cut(channel)
    }
}
