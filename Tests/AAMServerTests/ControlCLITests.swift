import AAMControlProtocol
import Foundation
import Testing

import AAMServer

#if canImport(Glibc)
import Glibc
#endif

/// The real `aam` executable on the control socket: `aam status --socket`, its errors, and the
/// daemon's peer-credential check refusing another local user.
@Suite("Control socket from the CLI")
struct ControlCLITests {
    @Test func aamStatusPrintsTheDaemonOverTheSocket() async throws {
        try await ControlSocketTests.run { f in
            try await connectControl(f.gateway).close()
            #expect(try await f.chat().status == 200)
            let status = try ProcessRunner("aam", arguments: ["status", "--socket", f.gateway.controlSocketPath], environment: [:])
            #expect(await status.waitForExit() == 0, "\(status.allOutput)")
            let out = status.allOutput
            #expect(out.contains("daemon aamd \(ControlSocketService.daemonVersion) pid \(getpid()) listening 127.0.0.1:"), "\(out)")
            #expect(out.contains("providers 2, deployments 2, aliases 1, keys 1"), "\(out)")
            #expect(out.contains("DEPLOYMENT  ALIAS  PROVIDER  STATE"), "\(out)")
            // The console's health words (`ProviderHealthWord`), not the breaker's "closed".
            #expect(out.contains("chat-a      chat   sim-a     healthy"), "\(out)")
            #expect(!out.contains("closed"), "\(out)")
            #expect(out.contains("alias chat [weighted] chat-a(w1 p0) chat-b(w1 p0)"), "\(out)")
        }
    }

    @Test func aamStatusSaysWhenThereIsNoSocket() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aam-none-\(UUID().uuidString.prefix(8))/control.sock").path
        let status = try ProcessRunner("aam", arguments: ["status", "--socket", path], environment: [:])
        #expect(await status.waitForExit() == 1)
        #expect(status.allOutput.contains("aam status: no control socket at \(path): is aamd running"), "\(status.allOutput)")
    }

    /// Only root can switch users; elsewhere the decision function's unit test covers the rule.
    @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func anotherLocalUserIsRefusedByThePeerCheck() async throws {
        try await ControlSocketTests.run { f in
            let path = f.gateway.controlSocketPath
            try await connectControl(f.gateway).close()
            // Open the file modes, as a careless operator might: only the peer check remains.
            #expect(chmod((path as NSString).deletingLastPathComponent, 0o755) == 0)
            #expect(chmod(path, 0o666) == 0)
            let aam = ProcessRunner.binaryDirectory.appendingPathComponent("aam").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", aam, "status", "--socket", path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let deadline = ContinuousClock.now + .seconds(15)
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 1, "\(output)")
            #expect(
                output.contains("aam status: permission denied on \(path): uid 65534 may not use this control socket (allowed: the daemon's user or root)"),
                "\(output)")
            // The daemon is unharmed and still serves its own user.
            let client = try await connectControl(f.gateway)
            #expect(try await client.query(.status).status?.providers == 2)
            client.close()
        }
    }
}
