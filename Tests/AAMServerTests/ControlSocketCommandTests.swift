import AAMControlProtocol
import AAMCore
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

#if canImport(Glibc)
import Glibc
#endif

/// Commands over the control socket (routing and key changes, audited as the operator), bad
/// input that never hurts the daemon, and the client's own error messages.
extension ControlSocketTests {
    // MARK: Commands

    @Test func drainingAProviderMovesTrafficAndIsAuditedUnderTheOperator() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            let audit = f.gateway.gateway.runtime.bus.subscribe()
            defer { audit.cancel() }

            let drained = try await client.command(ControlCommand(kind: .drainProvider, provider: "sim-a"))
            #expect(drained.message == "drained provider sim-a")
            for _ in 0..<6 {
                let reply = try await f.chat()
                #expect(reply.status == 200)
                #expect(reply.header("x-aam-provider") == "sim-b")
            }
            let providers = try #require(try await client.query(.providers).providers)
            #expect(providers.first { $0.deployment == "chat-a" }?.providerDrained == true)

            _ = try await client.command(ControlCommand(kind: .drainDeployment, deployment: "chat-b"))
            #expect(try await f.chat().status == 503)

            _ = try await client.command(ControlCommand(kind: .undrainProvider, provider: "sim-a"))
            let back = try await f.chat()
            #expect(back.status == 200 && back.header("x-aam-provider") == "sim-a")
            _ = try await client.command(ControlCommand(kind: .undrainDeployment, deployment: "chat-b"))

            var changes: [String] = []
            for await event in audit.events {
                guard case .adminChange(let actor, let action, let target) = event else { continue }
                #expect(actor == Self.operatorActor)
                changes.append("\(action) \(target)")
                if changes.count == 4 { break }
            }
            #expect(changes == ["provider.drain sim-a", "deployment.update chat-b", "provider.undrain sim-a", "deployment.update chat-b"])
        }
    }

    @Test func rotatingAKeyReturnsANewSecretOnceAndTheOldOneStops() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            let rotated = try await client.command(ControlCommand(kind: .rotateKey, keyId: f.keyID, gracePeriodSeconds: 0))
            let secret = try #require(rotated.newSecret)
            #expect(secret != f.key && secret.hasPrefix(rotated.keyPrefix ?? "-"))
            #expect(try await f.chat(key: secret).status == 200)
            #expect(try await f.chat(key: f.key).status == 401)
            // The keys view shows the new prefix, never the secret.
            let keys = try #require(try await client.query(.keys).keys)
            #expect(keys.first?.prefix == rotated.keyPrefix)

            let revoked = try await client.command(ControlCommand(kind: .revokeKey, keyId: f.keyID))
            #expect(revoked.newSecret == nil)
            #expect(try await f.chat(key: secret).status == 401)
            #expect(try await client.query(.keys).keys?.first?.state == "revoked")
        }
    }

    @Test func aliasCommandsEditDeploymentsAndFallbacksLive() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            _ = try await client.command(ControlCommand(kind: .updateDeployment, deployment: "chat-a", weight: 0, priority: 3))
            _ = try await client.command(ControlCommand(kind: .addDeployment, provider: "sim-a", deployment: "slow-a", alias: "slow", upstreamModel: "m"))
            _ = try await client.command(ControlCommand(kind: .setFallbacks, alias: "chat", fallbacks: ["slow"]))
            _ = try await client.command(ControlCommand(kind: .removeDeployment, deployment: "chat-b"))
            let aliases = try #require(try await client.query(.aliases).aliases)
            #expect(aliases.map(\.name) == ["chat", "slow"])
            #expect(aliases[0].fallbacks == ["slow"])
            #expect(aliases[0].deployments.map(\.deployment) == ["chat-a"])
            #expect(aliases[0].deployments[0].weight == 0 && aliases[0].deployments[0].priority == 3)
        }
    }

    @Test func badCommandsNameTheMemberAndUnknownTargetsAreNotFound() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            await #expect(throws: ControlClientError.remote(ControlError(code: .invalidCommand, message: "provider: required by drainProvider"))) {
                _ = try await client.command(ControlCommand(kind: .drainProvider))
            }
            await #expect(throws: ControlClientError.remote(ControlError(code: .notFound, message: "provider 'nope' not found"))) {
                _ = try await client.command(ControlCommand(kind: .drainProvider, provider: "nope"))
            }
            await #expect(throws: ControlClientError.remote(ControlError(code: .invalidCommand, message: "gracePeriodSeconds: must be between 0 and 2592000 (30 days)"))) {
                _ = try await client.command(ControlCommand(kind: .rotateKey, keyId: f.keyID, gracePeriodSeconds: -1))
            }
            await #expect(throws: ControlClientError.remote(ControlError(code: .invalidCommand, message: "fallbacks[0]: unknown alias 'ghost'"))) {
                _ = try await client.command(ControlCommand(kind: .setFallbacks, alias: "chat", fallbacks: ["ghost"]))
            }
            #expect(try await f.chat().status == 200)
        }
    }

    // MARK: Bad input

    @Test func badLinesGetErrorsAndTheConnectionAndDaemonCarryOn() async throws {
        try await Self.run { f in
            let raw = try RawControlSocket(path: f.gateway.controlSocketPath)
            try await raw.send(#"{"type":"query","id":1,"query":"status"}"# + "\n")
            #expect(try await raw.readMessage()?.error == ControlError(code: .badMessage, message: "send hello first"))
            try await raw.send(#"{"type":"hello","hello":{"protocolVersion":1,"peer":"raw"}}"# + "\n")
            #expect(try await raw.readMessage()?.type == .hello)
            try await raw.send("{nope\n")
            #expect(try await raw.readMessage()?.error == ControlError(code: .badMessage, message: "not a JSON object"))
            try await raw.send(#"{"type":"query","id":7,"query":"weather"}"# + "\n")
            let unknown = try #require(try await raw.readMessage())
            #expect(unknown.id == 7 && unknown.error?.code == .unknownQuery)
            try await raw.send("\n   \n" + #"{"type":"query","id":8,"query":"status"}"# + "\n")
            let status = try #require(try await raw.readMessage())
            #expect(status.id == 8 && status.status?.providers == 2)

            // A line over the limit is refused and that connection closed; the daemon goes on.
            let big = try RawControlSocket(path: f.gateway.controlSocketPath)
            try await big.send(#"{"type":"hello","hello":{"protocolVersion":1,"peer":"big"}}"# + "\n")
            _ = try await big.readLine()
            try? await big.send([UInt8](repeating: UInt8(ascii: "x"), count: ControlProtocol.maxLineBytes + 10))
            let refusal = try #require(try await big.readMessage())
            #expect(refusal.error?.code == .badMessage)
            #expect(refusal.error?.message.contains("longer than") == true)
            #expect(try await big.readLine() == nil)

            try await raw.send(#"{"type":"query","id":9,"query":"providers"}"# + "\n")
            #expect(try await raw.readMessage()?.providers?.count == 2)
            #expect(try await f.chat().status == 200)
        }
    }

    @Test func tooManyBadMessagesCloseTheConnection() async throws {
        try await Self.run(configure: { $0.controlSocketSettings.maxBadMessages = 3 }) { f in
            let raw = try RawControlSocket(path: f.gateway.controlSocketPath)
            try await raw.send("x\ny\nz\n")
            for _ in 0..<3 { #expect(try await raw.readMessage()?.error?.code == .badMessage) }
            #expect(try await raw.readMessage()?.error?.message == "too many bad messages; closing")
            #expect(try await raw.readLine() == nil)
        }
    }

    @Test func aSilentPeerIsClosedAfterTheHelloTimeout() async throws {
        try await Self.run(configure: { $0.controlSocketSettings.helloTimeout = .milliseconds(200) }) { f in
            let raw = try RawControlSocket(path: f.gateway.controlSocketPath)
            let message = try #require(try await raw.readMessage(timeout: 10))
            #expect(message.error?.code == .helloTimeout)
            #expect(try await raw.readLine() == nil)
        }
    }

    @Test func connectionsBeyondTheLimitAreTurnedAway() async throws {
        try await Self.run(configure: { $0.controlSocketSettings.maxConnections = 1 }) { f in
            let first = try await connectControl(f.gateway)
            defer { first.close() }
            await #expect(throws: ControlClientError.remote(ControlError(code: .tooManyConnections, message: "the control socket serves at most 1 connections"))) {
                _ = try await ControlClient.connect(path: f.gateway.controlSocketPath)
            }
            #expect(try await first.query(.status).status != nil)
        }
    }

    // MARK: Client errors

    @Test func theClientSaysWhatWentWrong() async throws {
        await #expect(throws: ControlClientError.noSocket(path: "/tmp/aam-no-such-dir/control.sock")) {
            _ = try await ControlClient.connect(path: "/tmp/aam-no-such-dir/control.sock")
        }
        let gateway = try await GatewayHarness.start()
        let client = try await connectControl(gateway)
        let events = Task { () -> Int in
            var count = 0
            for await _ in client.events { count += 1 }
            return count
        }
        await gateway.stop()
        // The daemon went away: the event stream ends and requests fail with the reason.
        _ = await events.value
        #expect(client.disconnectReason == .daemonWentAway)
        await #expect(throws: ControlClientError.daemonWentAway) { _ = try await client.query(.status) }
        client.close()
    }
}
