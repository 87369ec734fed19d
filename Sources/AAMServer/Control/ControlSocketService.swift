import AAMControlProtocol
import AAMCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An accepted control connection with the kernel's word on who is calling.
struct AcceptedControlConnection: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let peer: PeerCredentials?
}

/// The control socket (`--control-socket`): a Unix socket, mode 0600 (0660 with group
/// `--control-group`), serving `ControlSession`s for `aam console` and the CLI, and feeding the
/// live figures (`ControlActivity`) that its queries report. Removed at shutdown.
///
/// A live socket already at the path (another daemon) is left alone: this daemon logs it and
/// runs without a control socket rather than stealing the other's.
public struct ControlSocketService: Service {
    public static let daemonVersion = "0.1.0"

    let path: String
    let groupID: UInt32?
    let context: ControlSocketContext
    let activity: ControlActivity
    let bus: EventBus
    let logger: Logger

    /// Throws `StartupError` when `group` names no group.
    public init(
        path: String, group: String?, runtime: GatewayRuntime, settings: ControlSocketSettings = ControlSocketSettings(),
        daemonInfo: @escaping @Sendable () -> DaemonInfo
    ) throws {
        var groupID: UInt32?
        if let group, !group.isEmpty {
            guard let id = SystemAccounts.groupID(of: group) else { throw StartupError("--control-group: unknown group '\(group)'") }
            groupID = id
        }
        let activity = ControlActivity()
        let policy = ControlAccessPolicy(daemonUID: UInt32(getuid()), groupID: groupID, groupName: group)
        let subscribers = ControlCounter()
        let queries = ControlQueries(runtime: runtime, activity: activity, daemonInfo: daemonInfo) { subscribers.value }
        let context = ControlSocketContext(
            queries: queries, commands: ControlCommands(runtime: runtime), policy: policy, settings: settings, bus: runtime.bus,
            clock: runtime.clock, logger: runtime.logger, subscribers: subscribers)
        self.path = path
        self.groupID = groupID
        self.context = context
        self.activity = activity
        self.bus = runtime.bus
        self.logger = runtime.logger
    }

    public func run() async throws {
        // Subscribe before binding so no call finishing meanwhile is missing from the figures.
        let feed = bus.subscribe(bufferSize: 16_384)
        defer { feed.cancel() }
        // Drains change the configuration, not the bus's call feed: look for them on a timer.
        let drainWatch = Task { [context] in
            while !Task.isCancelled {
                context.queries.activity.observeDrained(context.queries.drainedDeployments(), at: context.clock.now())
                try? await Task.sleep(for: context.settings.trendPushInterval)
            }
        }
        defer { drainWatch.cancel() }
        guard let server = try await bind() else {
            await withGracefulShutdownHandler {
                for await event in feed.events.cancelOnGracefulShutdown() { activity.record(event) }
            } onGracefulShutdown: {
                feed.cancel()
            }
            return
        }
        logger.info("control socket listening", metadata: ["path": "\(path)"])
        let open = OpenConnections()
        await withDiscardingTaskGroup { group in
            group.addTask { [activity] in
                for await event in feed.events { activity.record(event) }
            }
            await withTaskCancellationOrGracefulShutdownHandler {
                do {
                    try await server.executeThenClose { inbound in
                        for try await accepted in inbound {
                            let session = ControlSession(context: context, channel: accepted.channel, peer: accepted.peer)
                            let admitted = context.connections.wrappingAdd(1, ordering: .relaxed).newValue <= context.settings.maxConnections
                            open.add(accepted.channel.channel)
                            group.addTask {
                                defer {
                                    context.connections.wrappingSubtract(1, ordering: .relaxed)
                                    open.remove(accepted.channel.channel)
                                }
                                if admitted {
                                    await session.run()
                                } else {
                                    await Self.refuseBusy(accepted.channel, limit: context.settings.maxConnections)
                                }
                            }
                        }
                    }
                } catch {
                    logger.error("control socket stopped accepting", metadata: ["reason": "\(error)"])
                }
            } onCancelOrGracefulShutdown: {
                server.channel.close(promise: nil)
                open.closeAll()
            }
            feed.cancel()
        }
        _ = unlink(path)
    }

    /// Creates the directory (0700 when new), refuses a link or a non-socket at the path and
    /// to take over a live socket, then binds with the mode set before the socket appears at
    /// its path (`ControlSocketFile`). Nil when another process already serves this path.
    private func bind() async throws -> NIOAsyncChannel<AcceptedControlConnection, Never>? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError("cannot create the control socket's directory \(directory.path): \(error.localizedDescription)")
        }
        // A link or a non-socket at the path is refused (`ControlSocketFile`).
        if try ControlSocketFile.entry(at: path) == .socket, await Self.isServed(path) {
            logger.error(
                "another process serves the control socket; running without one",
                metadata: ["path": "\(path)", "hint": "stop the other daemon or pass a different --control-socket"])
            return nil
        }
        return try await ControlSocketFile.bind(path: path, groupID: groupID) { channel in
            PeerCredentials.of(channel).flatMapThrowing { peer in
                AcceptedControlConnection(channel: try NIOAsyncChannel(wrappingChannelSynchronously: channel), peer: peer)
            }
        }
    }

    /// Whether something accepts connections at `path` (a stale socket file refuses them).
    static func isServed(_ path: String) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    private static func refuseBusy(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, limit: Int) async {
        try? await channel.executeThenClose { _, outbound in
            let error = ControlError(code: .tooManyConnections, message: "the control socket serves at most \(limit) connections")
            try await ControlLineWriter(outbound: outbound).send(.failure(error, id: nil))
        }
    }
}

/// The open connections, so a shutdown can close them all.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) { channels.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}
