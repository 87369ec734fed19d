import Foundation

/// A connection to `aamd`'s control socket, for the console and the CLI.
///
/// ```swift
/// let client = try await ControlClient.connect(path: "./aam-data/control.sock", peer: "aam console")
/// let providers = try await client.query(.providers).providers ?? []
/// try await client.subscribe()
/// for await message in client.events { … }   // `event`, `missed` (and id-less `error`)
/// client.close()
/// ```
///
/// Requests may be issued from any task concurrently; answers are matched by `id`. When the
/// daemon goes away every pending request fails with `.daemonWentAway` and `events` finishes,
/// which is the console's cue to reconnect.
/// Receives a batch of unsolicited messages; called on the client's reader thread, so it must
/// return quickly (queue them, do not draw).
public typealias ControlNewsSink = @Sendable ([ControlMessage]) -> Void

public final class ControlClient: Sendable {
    /// The daemon's self-description from its hello.
    public let daemon: DaemonInfo
    /// The daemon's hello (protocol version and peer name).
    public let daemonHello: ControlHello
    /// The socket path this client connected to.
    public var path: String { connection.path }
    /// How long a request waits for its answer unless told otherwise.
    public let requestTimeout: Double
    private let connection: ControlConnection

    private init(connection: ControlConnection, daemon: DaemonInfo, daemonHello: ControlHello, requestTimeout: Double) {
        self.connection = connection
        self.daemon = daemon
        self.daemonHello = daemonHello
        self.requestTimeout = requestTimeout
    }

    /// Connects and exchanges hellos.
    ///
    /// Throws `ControlClientError`: `.noSocket`, `.daemonNotListening`, `.permissionDenied`
    /// (file mode or the daemon's peer-credential check), `.versionMismatch` (naming both
    /// versions), `.untrustedServer` (the socket is served by a user other than this one or
    /// root), `.timeout`, `.daemonWentAway`.
    ///
    /// - Parameter trustedServerUIDs: users allowed to serve the socket; nil is this user and
    ///   root (tests name another set to prove the refusal).
    /// - Parameter newsSink: takes the news (what `events` would carry) of each socket read in
    ///   one call, on the reader thread, in arrival order; `events` then only finishes when the
    ///   connection ends. For a consumer that is not async (the console's screen thread): at
    ///   2,000 events/s, one stream hand-off per event was a sixth of the console's CPU.
    public static func connect(
        path: String, peer: String = "aam", protocolVersion: Int = ControlProtocol.version, timeout: Double = 5,
        requestTimeout: Double = 10, trustedServerUIDs: Set<UInt32>? = nil, newsSink: ControlNewsSink? = nil
    ) async throws -> ControlClient {
        let socket = try UnixStreamSocket.connect(path: path, trustedServerUIDs: trustedServerUIDs ?? UnixStreamSocket.defaultTrustedServerUIDs)
        let connection = ControlConnection(socket: socket, path: path, newsSink: newsSink)
        connection.startReader()
        let reply: ControlMessage
        do {
            reply = try await connection.handshake(.hello(ControlHello(protocolVersion: protocolVersion, peer: peer)), timeout: timeout)
        } catch {
            connection.close()
            throw error
        }
        switch reply.type {
        case .hello:
            guard let hello = reply.hello, let daemon = reply.daemon else {
                connection.close()
                throw ControlClientError.badReply("the daemon's hello lacks its version or description")
            }
            if let reason = hello.incompatibility(with: protocolVersion) {
                connection.close()
                throw ControlClientError.versionMismatch(reason)
            }
            return ControlClient(connection: connection, daemon: daemon, daemonHello: hello, requestTimeout: requestTimeout)
        case .error:
            connection.close()
            let error = reply.error ?? ControlError(code: .internal, message: "refused without a reason")
            switch error.code {
            case .versionMismatch: throw ControlClientError.versionMismatch(error.message)
            case .permissionDenied: throw ControlClientError.permissionDenied(path: path, reason: error.message)
            default: throw ControlClientError.remote(error)
            }
        default:
            connection.close()
            throw ControlClientError.badReply("expected hello, got \(reply.type.rawValue)")
        }
    }

    /// Unsolicited messages in arrival order: `event`, `missed` (events the daemon dropped for
    /// this subscriber since the previous `missed`), and `error` without an id. Finishes when the
    /// connection ends. One consumer only; a consumer that falls behind loses the oldest
    /// (counted in `droppedLocally`).
    public var events: AsyncStream<ControlMessage> { connection.events }

    /// Why the connection ended, or nil while it is up.
    public var disconnectReason: ControlClientError? { connection.endReason }
    public var isConnected: Bool { connection.endReason == nil }
    /// Messages `events` discarded because its consumer was slower than the daemon.
    public var droppedLocally: Int { connection.droppedLocally }

    /// Sends `message` with a fresh `id` (any id it carries is replaced) and returns the answer.
    /// An `error` answer is thrown as `ControlClientError.remote`.
    public func request(_ message: ControlMessage, timeout: Double? = nil) async throws -> ControlMessage {
        let reply = try await connection.request(message, timeout: timeout ?? requestTimeout)
        if reply.type == .error {
            throw ControlClientError.remote(reply.error ?? ControlError(code: .internal, message: "error without details"))
        }
        return reply
    }

    /// Runs a snapshot query; the answer's member named after the query is set.
    public func query(_ query: ControlQuery) async throws -> ControlMessage {
        try await request(.query(query, id: 0))
    }

    /// Runs an operator command; the daemon audits it under this user's name.
    public func command(_ command: ControlCommand) async throws -> CommandResult {
        let reply = try await request(.command(command, id: 0))
        guard let result = reply.commandResult else {
            throw ControlClientError.badReply("commandResult missing from the answer to \(command.kind.rawValue)")
        }
        return result
    }

    /// Starts the live event feed into `events`.
    public func subscribe() async throws {
        _ = try await request(ControlMessage(type: .subscribe))
    }

    /// Stops the live event feed.
    public func unsubscribe() async throws {
        _ = try await request(ControlMessage(type: .unsubscribe))
    }

    /// Hangs up. Pending requests fail with `.closed`; `events` finishes.
    public func close() {
        connection.close()
    }

    /// A dropped client hangs up too (the reader thread holds the connection, not the client).
    deinit {
        connection.close()
    }
}
