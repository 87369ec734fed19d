@testable import AAMServer
import AAMTesting
import NIOCore
import NIOPosix
import Testing

/// The syslog transport's "is the receiver still there" check asks the kernel, because the
/// channel's own `isActive` lags behind a receiver that closed: it changes only once the event
/// loop reads the FIN; were that lag longer than the settle time, a batch written into a closed
/// connection would count as delivered. These tests hold the lag open for good
/// with `allowRemoteHalfClosure` (the channel then never closes itself on the FIN).
@Suite("SIEM syslog: connection state")
struct SyslogConnectionStateTests {
    @Test("a receiver that closed is seen at once, while the channel still calls itself active")
    func aClosedReceiverIsSeenBeforeTheEventLoopNotices() async throws {
        let receiver = try await SyslogReceiver.start()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: receiver.port).get()
        defer { channel.close(promise: nil) }
        try await waitUntil({ receiver.connectionCount == 1 }, "the receiver accepted the connection")
        #expect(await SyslogTCPTransport.isEstablished(channel))

        await receiver.stop()
        // The kernel moves our end to CLOSE_WAIT as soon as the FIN arrives; poll for that.
        try await waitUntil({ await !SyslogTCPTransport.isEstablished(channel) }, "the kernel left ESTABLISHED")
        #expect(channel.isActive, "the channel itself has not noticed: the check that trusted isActive would write into it")
    }

    @Test("a closed channel is not established")
    func aClosedChannelIsNotEstablished() async throws {
        let receiver = try await SyslogReceiver.start()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: receiver.port).get()
        try await channel.close()
        #expect(await !SyslogTCPTransport.isEstablished(channel))
        await receiver.stop()
    }

    /// Polls `condition` every 10 ms for up to 30 s (room for a loaded machine: a run with the
    /// other core building took 89 s for this test).
    func waitUntil(_ condition: () async -> Bool, _ what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("never held: \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
