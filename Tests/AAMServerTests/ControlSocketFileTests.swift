import AAMControlProtocol
import Foundation
import NIOCore
import Testing

@testable import AAMServer

#if canImport(Glibc)
import Glibc
#endif

/// The control socket's file cannot be turned against its target (issue 13, item 9): a link
/// planted at the socket path is refused and its target keeps its mode; the socket appears with
/// its final mode; and the client refuses a socket served by another user.
@Suite("Control socket file")
struct ControlSocketFileTests {
    /// A private directory for one test, removed afterwards.
    static func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-csf-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    static func mode(_ path: String, followLinks: Bool = true) -> mode_t? {
        var status = stat()
        guard (followLinks ? stat(path, &status) : lstat(path, &status)) == 0 else { return nil }
        return status.st_mode
    }

    /// The attack: a link at the socket path pointing at a file the daemon's user can change.
    /// Before, the daemon bound (NIO's cleanup leaves a link alone) and `chmod`ed the path,
    /// which changed the target's mode. Now the daemon refuses to start and nothing changes.
    @Test func aLinkPlantedAtTheSocketPathIsRefused() async throws {
        try await Self.withDirectory { directory in
            let target = directory + "/victim.txt"
            try Data("secret".utf8).write(to: URL(fileURLWithPath: target))
            #expect(chmod(target, 0o644) == 0)
            let socketDirectory = directory + "/run"
            try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
            let path = socketDirectory + "/control.sock"
            #expect(symlink(target, path) == 0)

            #expect(throws: StartupError.self) { try ControlSocketFile.entry(at: path) }
            var started: GatewayHarness?
            do {
                // Refused at start: the control service fails, and with it the daemon.
                let harness = try await GatewayHarness.start { $0.controlSocket = path }
                started = harness
                let ended = await harness.runEnded(within: .seconds(30))
                #expect(ended, "the daemon kept running with a link at its control socket path")
            } catch {
                // Refusing before listening is as good.
            }
            await started?.stop()
            #expect(Self.mode(target).map { $0 & 0o7777 } == 0o644, "the link's target kept its mode")
            #expect(Self.mode(path, followLinks: false).map { $0 & S_IFMT } == S_IFLNK, "the link is left for the operator")
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "secret")
        }
    }

    /// The race: someone who can write to the socket's directory swaps the path for a link to
    /// a file of the daemon's user right after the bind. Before, the daemon then `chmod`ed (and
    /// with --control-group `chown`ed) the path, so the link's target became 0600 or group-owned.
    /// Now the mode is set in a private directory and the socket is renamed over the link.
    @Test func aLinkSwappedInAfterTheBindIsNotFollowed() async throws {
        try await Self.withDirectory { directory in
            let target = directory + "/victim.txt"
            try Data("secret".utf8).write(to: URL(fileURLWithPath: target))
            #expect(chmod(target, 0o644) == 0)
            let path = directory + "/control.sock"
            let server = try await ControlSocketFile.bind(
                path: path, groupID: UInt32(getgid()),
                afterBind: {
                    _ = unlink(path)
                    #expect(symlink(target, path) == 0)
                },
                childChannelInitializer: { channel in channel.eventLoop.makeSucceededFuture(()) })
            let mode = try #require(Self.mode(path, followLinks: false))
            #expect(mode & S_IFMT == S_IFSOCK, "the socket replaced the link")
            #expect(mode & 0o7777 == 0o660)
            #expect(Self.mode(target).map { $0 & 0o7777 } == 0o644, "the link's target kept its mode")
            try await server.channel.close()
        }
    }

    @Test func aRegularFileAtTheSocketPathIsRefused() async throws {
        try await Self.withDirectory { directory in
            let path = directory + "/control.sock"
            try Data("not a socket".utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: StartupError.self) { try ControlSocketFile.entry(at: path) }
            #expect(try ControlSocketFile.entry(at: directory + "/absent.sock") == .nothing)
        }
    }

    /// The socket appears at its path already 0600 (bound and set up in a private directory),
    /// replaces a stale socket, and leaves no staging directory behind.
    @Test func theSocketAppearsWithItsModeAndReplacesAStaleOne() async throws {
        try await Self.withDirectory { directory in
            let path = directory + "/control.sock"
            for round in 0..<2 {
                if round == 1 { #expect(try ControlSocketFile.entry(at: path) == .socket) }  // stale: closed below
                let server = try await ControlSocketFile.bind(path: path, groupID: nil) { channel in
                    channel.eventLoop.makeSucceededFuture(())
                }
                let mode = try #require(Self.mode(path, followLinks: false))
                #expect(mode & S_IFMT == S_IFSOCK)
                #expect(mode & 0o7777 == 0o600)
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["control.sock"])
                try await server.channel.close()
            }
        }
    }

    /// The client's side: a server whose uid the client does not trust is refused with a clear
    /// message (the seam names the trusted uids; running the daemon as another user is not
    /// possible in the suite). The default trusts this user and root, so the daemon is accepted.
    @Test func theClientRefusesAServerOfAnotherUser() async throws {
        let gateway = try await GatewayHarness.start()
        do {
            let client = try await connectControl(gateway)
            client.close()
            let me = UInt32(getuid())
            let other: UInt32 = me == 4242 ? 4243 : 4242
            await #expect(throws: ControlClientError.untrustedServer(path: gateway.controlSocketPath, uid: me)) {
                _ = try await ControlClient.connect(path: gateway.controlSocketPath, trustedServerUIDs: [other])
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
        let me = UInt32(getuid())
        let message = ControlClientError.untrustedServer(path: gateway.controlSocketPath, uid: me).description
        #expect(message.contains("uid \(me)") && message.contains("neither this user") && message.contains("root"))
    }
}

extension GatewayHarness {
    /// Whether the daemon's run ends (by itself, with or without an error) within `limit`.
    func runEnded(within limit: Duration) async -> Bool {
        let run = task
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try? await run.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
    }
}
