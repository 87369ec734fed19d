import AAMConsole
import AAMControlProtocol
import Foundation
import Synchronization

/// The console's connection to the daemon: connects, forwards events, reconnects with backoff
/// (2 s, doubling to 10 s) when the daemon goes away, and sends what the state asks for.
final class ConsoleLink: Sendable {
    let path: String
    let inbox: ConsoleInbox
    private let current = Mutex<ControlClient?>(nil)
    static let firstRetryDelay = 2.0
    static let maxRetryDelay = 10.0

    init(path: String, inbox: ConsoleInbox) {
        self.path = path
        self.inbox = inbox
    }

    /// Runs until cancelled.
    func run() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled {
            inbox.post(.connecting)
            let reason: String
            do {
                let client = try await ControlClient.connect(path: path, peer: "aam console") { [inbox] news in
                    inbox.post(.messages(news))
                }
                current.withLock { $0 = client }
                delay = Self.firstRetryDelay
                inbox.post(.connected(client.daemon))
                await withTaskCancellationHandler {
                    // The news goes straight to the inbox (above); `events` only says when the connection ends.
                    for await _ in client.events {}
                } onCancel: {
                    client.close()
                }
                current.withLock { $0 = nil }
                reason = "daemon gone: \(client.disconnectReason?.description ?? "connection closed")"
            } catch {
                reason = "\(error)"
            }
            if Task.isCancelled { return }
            inbox.post(.lost(reason: reason, retryAt: Date().addingTimeInterval(delay)))
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, Self.maxRetryDelay)
        }
    }

    /// Sends a message the state produced; the answer comes back through the inbox paired with
    /// the request (the client numbers requests itself, the state matches by its own id).
    func send(_ message: ControlMessage) {
        guard let client = current.withLock({ $0 }) else {
            if message.type == .command {
                inbox.post(.failed(request: message, error: ControlError(code: .notConnected, message: "not connected to the daemon")))
            }
            return
        }
        Task { [inbox] in
            do {
                inbox.post(.reply(request: message, reply: try await client.request(message)))
            } catch ControlClientError.remote(let error) {
                inbox.post(.failed(request: message, error: error))
            } catch {
                // A lost connection is reported by `run`; a query's failure needs no more than that.
                if message.type == .command {
                    inbox.post(.failed(request: message, error: ControlError(code: .notDelivered, message: "\(error)")))
                }
            }
        }
    }

    func close() {
        current.withLock { $0?.close() }
    }
}
