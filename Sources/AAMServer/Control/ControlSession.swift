import AAMControlProtocol
import AAMCore
import Foundation
import Logging
import NIOCore
import Synchronization

/// Limits of the control socket.
public struct ControlSocketSettings: Sendable {
    /// Connections served at once; more are told `too_many_connections` and closed.
    public var maxConnections = 32
    /// Time a new connection has to send its hello.
    public var helloTimeout: Duration = .seconds(10)
    /// Events queued per subscriber before the oldest pending ones are dropped (and counted).
    public var subscriberBuffer = 4096
    /// Unreadable messages tolerated on one connection before it is closed.
    public var maxBadMessages = 16
    /// How often a subscriber gets a `trend` event (the newest trend buckets), and how often
    /// the daemon looks for newly drained deployments to mark in the trend history.
    public var trendPushInterval: Duration = .seconds(2)

    public init() {}
}

/// What every connection shares: the query and command handlers, the access rule, the bus.
final class ControlSocketContext: Sendable {
    let queries: ControlQueries
    let commands: ControlCommands
    let policy: ControlAccessPolicy
    let settings: ControlSocketSettings
    let bus: EventBus
    let clock: any WallClock
    let logger: Logger
    /// Subscribers right now (the status query reports it).
    let subscribers: ControlCounter
    let connections = Atomic<Int>(0)

    init(
        queries: ControlQueries, commands: ControlCommands, policy: ControlAccessPolicy, settings: ControlSocketSettings, bus: EventBus,
        clock: any WallClock, logger: Logger, subscribers: ControlCounter
    ) {
        self.subscribers = subscribers
        self.queries = queries
        self.commands = commands
        self.policy = policy
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self.logger = logger
    }
}

/// A shared count (subscribers), readable by the status query.
final class ControlCounter: Sendable {
    private let storage = Atomic<Int>(0)
    var value: Int { storage.load(ordering: .relaxed) }
    func add(_ delta: Int) { storage.wrappingAdd(delta, ordering: .relaxed) }
}

/// Writes whole messages, one line each. NIO's async writer suspends while the channel is not
/// writable, so a peer that stops reading holds only its own writer, never the daemon.
struct ControlLineWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    func send(_ message: ControlMessage) async throws {
        guard let line = try ControlFraming.encodeWithinLimit(message) else { return }
        try await outbound.write(ByteBuffer(bytes: line))
    }
}

/// One control connection: peer check, hello, then queries, subscription and commands until
/// the peer hangs up, breaks the protocol too often, or the daemon stops.
struct ControlSession: Sendable {
    let context: ControlSocketContext
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let peer: PeerCredentials?

    private enum Next { case keepGoing, close }

    /// Set once the hello is accepted (read by the hello timer).
    private final class Flags: Sendable {
        let greeted = Atomic<Bool>(false)
    }

    func run() async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                let writer = ControlLineWriter(outbound: outbound)
                let decision = context.policy.decide(
                    peer, groups: peer.map { peer in
                        context.policy.needsGroups(peer)
                            ? SystemAccounts.groups(ofUser: SystemAccounts.userName(of: peer.uid), primary: peer.gid) : []
                    } ?? [])
                if case .deny(let reason) = decision {
                    context.logger.warning("control connection refused", metadata: ["reason": "\(reason)", "pid": "\(peer?.pid ?? 0)"])
                    try await writer.send(.failure(ControlError(code: .permissionDenied, message: reason), id: nil))
                    return
                }
                let operatorName = peer.map { SystemAccounts.userName(of: $0.uid) } ?? "unknown"
                try await converse(inbound: inbound, writer: writer, actor: "operator:\(operatorName)")
            }
        } catch {
            // The peer went away or the daemon is stopping: this connection ends, nothing else.
        }
    }

    private func converse(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, writer: ControlLineWriter, actor: String) async throws {
        let flags = Flags()
        let settings = context.settings
        let underlying = channel.channel
        let helloTimer = Task {
            try await Task.sleep(for: settings.helloTimeout)
            guard !flags.greeted.load(ordering: .relaxed) else { return }
            try? await writer.send(.failure(ControlError(code: .helloTimeout, message: "no hello within \(settings.helloTimeout)"), id: nil))
            underlying.close(promise: nil)
        }
        var conversation = Conversation(context: context, writer: writer, actor: actor, flags: flags)
        defer {
            helloTimer.cancel()
            conversation.stopPump()
        }
        var framing = ControlFraming()
        for try await buffer in inbound {
            let lines: [[UInt8]]
            do {
                lines = try framing.append(buffer.readableBytesView)
            } catch {
                try await writer.send(
                    .failure(ControlError(code: .badMessage, message: "line longer than \(ControlProtocol.maxLineBytes) bytes; closing"), id: nil))
                return
            }
            for line in lines where line.contains(where: { $0 > 0x20 }) {
                if case .close = try await conversation.handle(line) { return }
            }
        }
    }

    /// The per-connection protocol state machine.
    private struct Conversation {
        let context: ControlSocketContext
        let writer: ControlLineWriter
        let actor: String
        let flags: Flags
        var greeted = false
        var badMessages = 0
        var pump: Task<Void, Never>?

        init(context: ControlSocketContext, writer: ControlLineWriter, actor: String, flags: Flags) {
            self.context = context
            self.writer = writer
            self.actor = actor
            self.flags = flags
        }

        mutating func handle(_ line: [UInt8]) async throws -> Next {
            let message: ControlMessage
            do {
                message = try ControlSession.decoder.decode(ControlMessage.self, from: Data(line))
            } catch {
                let (error, id) = ControlSession.explainUndecodable(line)
                return try await refuse(error, id: id)
            }
            guard greeted || message.type == .hello else {
                return try await refuse(ControlError(code: .badMessage, message: "send hello first"), id: message.id)
            }
            switch message.type {
            case .hello:
                guard let hello = message.hello else {
                    return try await refuse(ControlError(code: .badMessage, message: "hello: missing"), id: message.id)
                }
                if hello.protocolVersion != ControlProtocol.version {
                    let text = "control protocol mismatch: the daemon speaks v\(ControlProtocol.version), "
                        + "the client (\(hello.peer)) speaks v\(hello.protocolVersion)"
                    try await writer.send(.failure(ControlError(code: .versionMismatch, message: text), id: message.id))
                    return .close
                }
                greeted = true
                flags.greeted.store(true, ordering: .relaxed)
                try await writer.send(.hello(ControlHello(peer: "aamd \(ControlSocketService.daemonVersion)"), daemon: context.queries.daemon))
            case .query:
                guard let query = message.query else {
                    return try await refuse(ControlError(code: .badMessage, message: "query: missing"), id: message.id)
                }
                try await writer.send(context.queries.answer(query, id: message.id))
            case .subscribe:
                startPump()
                try await writer.send(ControlMessage(type: .subscribed, id: message.id))
            case .unsubscribe:
                stopPump()
                try await writer.send(ControlMessage(type: .result, id: message.id))
            case .command:
                guard let command = message.command else {
                    return try await refuse(ControlError(code: .invalidCommand, message: "command: missing"), id: message.id)
                }
                context.logger.info("control command", metadata: ["actor": "\(actor)", "command": "\(command.kind.rawValue)"])
                switch await context.commands.run(command, actor: actor) {
                case .success(let result):
                    var reply = ControlMessage(type: .commandResult, id: message.id)
                    reply.commandResult = result
                    try await writer.send(reply)
                case .failure(let error):
                    try await writer.send(.failure(error, id: message.id))
                }
            case .result, .commandResult, .error, .event, .missed, .subscribed:
                return try await refuse(
                    ControlError(code: .badMessage, message: "a client sends hello, query, subscribe, unsubscribe or command, not \(message.type.rawValue)"),
                    id: message.id)
            }
            return .keepGoing
        }

        /// Answers a bad message; too many of them close the connection.
        private mutating func refuse(_ error: ControlError, id: Int? = nil) async throws -> Next {
            badMessages += 1
            try await writer.send(.failure(error, id: id))
            guard badMessages < context.settings.maxBadMessages else {
                try await writer.send(.failure(ControlError(code: .badMessage, message: "too many bad messages; closing"), id: nil))
                return .close
            }
            return .keepGoing
        }

        private mutating func startPump() {
            guard pump == nil else { return }
            // Subscribed before the acknowledgement goes out: every event after it is delivered.
            let subscription = context.bus.subscribe(bufferSize: context.settings.subscriberBuffer)
            context.subscribers.add(1)
            pump = Task { [context, writer] in
                await withDiscardingTaskGroup { group in
                    group.addTask { await ControlSession.pumpTrends(context: context, writer: writer) }
                    await ControlSession.pumpEvents(subscription, context: context, writer: writer)
                    group.cancelAll()
                }
            }
        }

        mutating func stopPump() {
            pump?.cancel()
            pump = nil
        }
    }

    /// Forwards bus events to one subscriber through its own bounded queue. While the peer does
    /// not read, the write suspends, the queue fills and the bus drops (and counts) the excess;
    /// the next message after such a gap is a `missed` with the number lost.
    static func pumpEvents(_ subscription: EventBus.Subscription, context: ControlSocketContext, writer: ControlLineWriter) async {
        defer {
            subscription.cancel()
            context.subscribers.add(-1)
        }
        var reported = 0
        for await event in subscription.events {
            let dropped = subscription.dropped
            do {
                if dropped > reported {
                    var missed = ControlMessage(type: .missed)
                    missed.missed = dropped - reported
                    reported = dropped
                    try await writer.send(missed)
                }
                guard let mapped = ControlEventMapper.event(event, at: context.clock.now()) else { continue }
                try await writer.send(.event(mapped))
            } catch {
                return
            }
        }
    }

    /// Sends the newest two trend buckets (the one just closed, with its final figures, and the
    /// one in progress) every `trendPushInterval` until cancelled or the peer is gone.
    static func pumpTrends(context: ControlSocketContext, writer: ControlLineWriter) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: context.settings.trendPushInterval)
                let trend = context.queries.activity.latestTrends(count: 2, at: context.clock.now())
                try await writer.send(.event(ControlEvent(kind: .trend, trend: trend)))
            } catch {
                return
            }
        }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Why a line is not a message, as precisely as a loose parse can tell (and its `id`).
    static func explainUndecodable(_ line: [UInt8]) -> (ControlError, Int?) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            return (ControlError(code: .badMessage, message: "not a JSON object"), nil)
        }
        let id = object["id"] as? Int
        guard let type = object["type"] as? String else {
            return (ControlError(code: .badMessage, message: "type: missing"), id)
        }
        guard ControlMessage.Kind(rawValue: type) != nil else {
            return (ControlError(code: .badMessage, message: "type: unknown '\(type)'"), id)
        }
        if type == "query", let query = object["query"] as? String, ControlQuery(rawValue: query) == nil {
            let known = ControlQuery.allCases.map(\.rawValue).joined(separator: ", ")
            return (ControlError(code: .unknownQuery, message: "query: unknown '\(query)' (expected one of \(known))"), id)
        }
        if type == "command", let command = object["command"] as? [String: Any], let kind = command["kind"] as? String,
            ControlCommand.Kind(rawValue: kind) == nil
        {
            let known = ControlCommand.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            return (ControlError(code: .invalidCommand, message: "command.kind: unknown '\(kind)' (expected one of \(known))"), id)
        }
        return (ControlError(code: .badMessage, message: "a member has the wrong type or is missing"), id)
    }
}
