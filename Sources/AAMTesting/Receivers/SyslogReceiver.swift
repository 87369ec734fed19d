import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A real RFC 5424 syslog receiver on loopback TCP (octet-counting framing, RFC 6587), for
/// tests and demos of SIEM export: records every message in arrival order, and can be stopped
/// (every connection cut) and restarted on the same port to play a receiver that went away.
///
/// ```swift
/// let receiver = try await SyslogReceiver.start()
/// // … aamd --siem-syslog 127.0.0.1:\(receiver.port) …
/// let records = try await receiver.waitForRecords(count: 3)
/// await receiver.stop()
/// ```
public final class SyslogReceiver: Sendable {
    public let host: String
    /// The bound port (the one the system chose when started with port 0).
    public var port: Int { boundPort.withLock { $0 } }

    private let boundPort = Mutex(0)
    private let state = ReceiverState()
    private let server = Mutex<(any Channel)?>(nil)
    private let prepare: ConnectionSetup?

    /// Adds handlers in front of the frame decoder of each accepted connection, e.g. a TLS
    /// server handler (this module does not link TLS; the caller brings it).
    public typealias ConnectionSetup = @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void

    private init(host: String, prepare: ConnectionSetup?) {
        self.host = host
        self.prepare = prepare
    }

    /// Starts listening; port 0 picks a free port below the kernel's ephemeral range (read it
    /// from `port`).
    ///
    /// Why not an ephemeral port: tests stop a receiver and `restart()` it on the same port, and
    /// while it is down any socket in this process (a client's outgoing connection, another
    /// test's port-0 listener) may be handed that port by the kernel. Ports in 20000..<32000 are
    /// never handed out that way (Linux's ephemeral range starts at 32768).
    public static func start(host: String = "127.0.0.1", port: Int = 0, prepare: ConnectionSetup? = nil) async throws -> SyslogReceiver {
        let receiver = SyslogReceiver(host: host, prepare: prepare)
        guard port == 0 else {
            try await receiver.listen(port: port)
            return receiver
        }
        for _ in 0..<64 {
            if (try? await receiver.listen(port: Int.random(in: 20000..<32000))) != nil { return receiver }
        }
        try await receiver.listen(port: 0)
        return receiver
    }

    /// Every message received so far, in arrival order (duplicates included).
    public var records: [SyslogRecord] { state.records.withLock { $0 } }
    /// Frames whose header did not parse, and framing errors, in arrival order.
    public var malformed: [String] { state.malformed.withLock { $0 } }
    /// Connections accepted since start (a reconnecting sender opens new ones).
    public var connectionCount: Int { state.connections.withLock { $0 } }

    /// Stops listening and closes every open connection.
    public func stop() async {
        let channel = server.withLock { current -> (any Channel)? in
            defer { current = nil }
            return current
        }
        try? await channel?.close().get()
        let children = state.children.withLock { children -> [any Channel] in
            defer { children.removeAll() }
            return Array(children.values)
        }
        for child in children { try? await child.close().get() }
    }

    /// Listens again on the same port after `stop()`.
    /// Retries for up to 10 s: on a loaded machine the kernel can still hold the port for a
    /// moment after `stop()` (connections being torn down).
    public func restart() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                try await listen(port: port)
                return
            } catch {
                guard ContinuousClock.now < deadline else {
                    throw ReceiverTimeout(description: "the syslog receiver could not listen again on port \(port): \(error)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Waits until at least `count` records arrived (polling with a deadline), returning them all.
    public func waitForRecords(count: Int, timeout: Duration = .seconds(20)) async throws -> [SyslogRecord] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let records = self.records
            if records.count >= count { return records }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ReceiverTimeout(description: "syslog receiver: \(records.count) of \(count) messages after \(timeout)")
    }

    private func listen(port: Int) async throws {
        let state = state
        let prepare = prepare
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try prepare?(channel.pipeline.syncOperations)
                    try channel.pipeline.syncOperations.addHandler(OctetFrameHandler(state: state))
                }
            }
            .bind(host: host, port: port).get()
        server.withLock { $0 = channel }
        boundPort.withLock { $0 = channel.localAddress?.port ?? port }
    }
}

/// A wait that ran out of time.
public struct ReceiverTimeout: Error, CustomStringConvertible {
    public var description: String
}

/// Shared by the receiver and its connection handlers.
final class ReceiverState: Sendable {
    let records = Mutex<[SyslogRecord]>([])
    let malformed = Mutex<[String]>([])
    let connections = Mutex(0)
    let children = Mutex<[ObjectIdentifier: any Channel]>([:])
}

/// Decodes one connection's octet-counted frames into records.
private final class OctetFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let state: ReceiverState
    var decoder = OctetCountingDecoder()

    init(state: ReceiverState) {
        self.state = state
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        state.connections.withLock { $0 += 1 }
        state.children.withLock { $0[ObjectIdentifier(channel)] = channel }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let id = ObjectIdentifier(context.channel)
        state.children.withLock { _ = $0.removeValue(forKey: id) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for message in try decoder.feed(buffer.readableBytesView) {
                if let record = SyslogRecord(parsing: message) {
                    state.records.withLock { $0.append(record) }
                } else {
                    state.malformed.withLock { $0.append(message) }
                }
            }
        } catch {
            state.malformed.withLock { $0.append("<framing error>") }
            context.close(promise: nil)
        }
    }
}
