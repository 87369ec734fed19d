import Foundation

/// One control-socket message, in either direction.
///
/// A flat envelope rather than an enum with associated values: the JSON stays readable
/// (`{"type":"query","id":3,"query":"providers"}`), nil members are omitted, and a newer peer's
/// extra members are ignored by an older one. `type` says which payload member is set.
///
/// Conversation: both sides send `hello` first (the daemon's carries `daemon`). The client then
/// sends `query`, `subscribe`, `unsubscribe` or `command`, each with an `id` the daemon echoes on
/// its answer (`result` with the payload named after the query, `commandResult`, or `error`).
/// After `subscribe` the daemon pushes `event` messages, and `missed` when this subscriber's
/// bounded queue overflowed (how many events it lost since the last `missed`).
public struct ControlMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case hello, query, subscribe, unsubscribe, command
        case result, commandResult, error, event, missed, subscribed
    }

    public var type: Kind
    public var id: Int?
    public var hello: ControlHello?
    /// Set on the daemon's `hello`.
    public var daemon: DaemonInfo?
    public var query: ControlQuery?
    public var command: ControlCommand?
    // Answers to queries (exactly one set on a `result`).
    public var status: StatusView?
    public var providers: [ProviderRow]?
    public var spend: [SpendRow]?
    public var keys: [KeyRow]?
    public var aliases: [AliasRow]?
    public var guardrails: GuardrailSummary?
    /// Answer to `agents`: one row per registered workload.
    public var agents: [AgentRow]?
    /// Answer to `replicas`: the cluster's registry (or this process alone on a single node).
    public var replicas: ReplicaRoster?
    /// Answer to `trends`: the last 15 minutes in 10-second buckets (newer daemons only).
    public var trends: TrendHistory?
    public var commandResult: CommandResult?
    public var error: ControlError?
    public var event: ControlEvent?
    /// Events dropped for this subscriber since the previous `missed`.
    public var missed: Int?

    public init(type: Kind, id: Int? = nil) {
        self.type = type
        self.id = id
    }

    public static func hello(_ hello: ControlHello, daemon: DaemonInfo? = nil) -> ControlMessage {
        var message = ControlMessage(type: .hello)
        message.hello = hello
        message.daemon = daemon
        return message
    }

    public static func query(_ query: ControlQuery, id: Int) -> ControlMessage {
        var message = ControlMessage(type: .query, id: id)
        message.query = query
        return message
    }

    public static func command(_ command: ControlCommand, id: Int) -> ControlMessage {
        var message = ControlMessage(type: .command, id: id)
        message.command = command
        return message
    }

    public static func event(_ event: ControlEvent) -> ControlMessage {
        var message = ControlMessage(type: .event)
        message.event = event
        return message
    }

    public static func failure(_ error: ControlError, id: Int?) -> ControlMessage {
        var message = ControlMessage(type: .error, id: id)
        message.error = error
        return message
    }
}

/// What a `query` asks for; the `result` carries the member of the same name.
public enum ControlQuery: String, Codable, Sendable, CaseIterable {
    case status, providers, spend, keys, aliases, guardrails, agents, replicas, trends
}

public struct ControlError: Codable, Sendable, Equatable, Error {
    /// Stable machine-readable code (`ControlError.Code`), a plain string on the socket.
    public var code: Code
    public var message: String
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

/// Who the daemon is (on its `hello`).
public struct DaemonInfo: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    public var listen: String
    public var startedAt: Date
    public init(version: String, pid: Int32, listen: String, startedAt: Date) {
        self.version = version
        self.pid = pid
        self.listen = listen
        self.startedAt = startedAt
    }
}
