import AAMControlProtocol
import AAMCore
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

#if canImport(Glibc)
import Glibc
#endif

/// The control socket of a real in-process gateway, over a real Unix socket: hello and version
/// check, file mode, queries after traffic, the live feed, slow subscribers, commands that
/// change routing and keys, and bad input that never hurts the daemon.
@Suite("Control socket")
struct ControlSocketTests {
    static let simulation = #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":4,"errorRate":0}"#
    static let body = #"{"model":"chat","messages":[{"role":"user","content":"hello"}]}"#

    struct Fixture {
        let gateway: GatewayHarness
        let keyID: String
        let key: String

        func chat(_ body: String = ControlSocketTests.body, key: String? = nil) async throws -> GatewayHarness.Reply {
            try await gateway.call("/v1/chat/completions", key: key ?? self.key, json: body)
        }
    }

    /// Two simulated providers behind alias `chat` (deployments `chat-a`, `chat-b`), a key in
    /// `acme/web`, prices for both.
    static func run(configure: @escaping (inout DaemonOptions) -> Void = { _ in }, _ body: (Fixture) async throws -> Void) async throws {
        let gateway = try await GatewayHarness.start(configure: configure)
        do {
            try await gateway.addProvider("sim-a", protocol: "simulated", extra: simulation)
            try await gateway.addProvider("sim-b", protocol: "simulated", extra: simulation)
            try await gateway.addDeployment(alias: "chat", provider: "sim-a", model: "m", id: "chat-a")
            try await gateway.addDeployment(alias: "chat", provider: "sim-b", model: "m", id: "chat-b")
            let priced = try await gateway.admin(
                .PUT, "/admin/pricing",
                json: #"[{"provider":"sim-a","model":"m","inputPerMillion":"1000","outputPerMillion":"2000","version":"v1"},"#
                    + #"{"provider":"sim-b","model":"m","inputPerMillion":"1000","outputPerMillion":"2000","version":"v1"}]"#)
            #expect(priced.status == 200, "\(priced.text)")
            let (id, secret) = try await gateway.issueKey(extra: #""teamId":"web","name":"ci""#)
            try await body(Fixture(gateway: gateway, keyID: id, key: secret))
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static var operatorActor: String { "operator:\(SystemAccounts.userName(of: getuid()))" }

    // MARK: Hello

    @Test func helloDescribesTheDaemonAndAVersionMismatchIsRefused() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            #expect(client.daemon.pid == getpid())
            #expect(client.daemon.listen == "127.0.0.1:\(f.gateway.baseURL.split(separator: ":").last ?? "")")
            #expect(client.daemon.version == ControlSocketService.daemonVersion)
            #expect(client.daemonHello.protocolVersion == ControlProtocol.version)

            await #expect(throws: ControlClientError.versionMismatch(
                "control protocol mismatch: the daemon speaks v1, the client (aam 9) speaks v2"))
            {
                _ = try await ControlClient.connect(path: f.gateway.controlSocketPath, peer: "aam 9", protocolVersion: 2)
            }
            // The refused client did not disturb the daemon or the first connection.
            #expect(try await client.query(.status).status?.providers == 2)
        }
    }

    @Test func theSocketIsOwnerOnlyAndRemovedAtShutdown() async throws {
        let gateway = try await GatewayHarness.start()
        let client = try await connectControl(gateway)
        client.close()
        var info = stat()
        #expect(stat(gateway.controlSocketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_mode & 0o170000 == 0o140000)  // a socket
        #expect(info.st_uid == getuid())
        await gateway.stop()
        #expect(!FileManager.default.fileExists(atPath: gateway.controlSocketPath))
    }

    @Test func aSecondDaemonLeavesALiveSocketAlone() async throws {
        try await Self.run { f in
            let path = f.gateway.controlSocketPath
            try await connectControl(f.gateway).close()
            let second = try await GatewayHarness.start(configure: { $0.controlSocket = path })
            await second.stop()
            // The first daemon's socket survived the second one's start and stop.
            let client = try await connectControl(f.gateway)
            #expect(client.daemon.pid == getpid())
            #expect(try await client.query(.status).status?.providers == 2)
            client.close()
        }
    }

    // MARK: Queries

    @Test func queriesDescribeTheTrafficWithoutSecrets() async throws {
        try await Self.run { f in
            try await f.gateway.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"request":{"email":"redact"}}"#)
            for _ in 0..<4 { #expect(try await f.chat().status == 200) }
            let withEmail = #"{"model":"chat","messages":[{"role":"user","content":"mail jane.doe@example.com"}]}"#
            #expect(try await f.chat(withEmail).status == 200)
            let client = try await connectControl(f.gateway)
            defer { client.close() }

            try await eventually("five calls counted") { try await client.query(.status).status?.callsSinceStart == 5 }
            let status = try #require(try await client.query(.status).status)
            #expect(status.errorsSinceStart == 0 && status.deployments == 2 && status.aliases == 1 && status.keys == 1)

            let providers = try #require(try await client.query(.providers).providers)
            #expect(providers.map(\.deployment) == ["chat-a", "chat-b"])
            #expect(providers.allSatisfy { $0.state == "closed" && !$0.providerDrained && !$0.deploymentDrained })
            let served = providers.filter { $0.p50Ms != nil }
            #expect(!served.isEmpty)
            #expect(served.allSatisfy { ($0.p50Ms ?? -1) >= 0 && ($0.p95Ms ?? -1) >= ($0.p50Ms ?? 0) })

            let keys = try #require(try await client.query(.keys).keys)
            #expect(keys.count == 1)
            #expect(keys[0].id == f.keyID && keys[0].state == "active" && keys[0].scope == "acme/web" && keys[0].name == "ci")
            #expect(f.key.hasPrefix(keys[0].prefix))
            #expect(keys[0].lastUsedAt != nil)

            let spend = try #require(try await client.query(.spend).spend)
            #expect(spend.map(\.kind) == ["org", "team", "key"])
            #expect(spend.map(\.parent) == [nil, "acme", "web"])
            let org = spend[0]
            #expect(org.tokensToday > 0)
            #expect(try Money(parsing: org.spentTodayUSD) > .zero)
            #expect(org.burnRateUSDPerHour == org.spentTodayUSD)

            let aliases = try #require(try await client.query(.aliases).aliases)
            #expect(aliases.map(\.name) == ["chat"])
            #expect(aliases[0].deployments.map(\.deployment) == ["chat-a", "chat-b"])

            let guardrails = try #require(try await client.query(.guardrails).guardrails)
            let email = try #require(guardrails.counters.first { $0.detector == "email" })
            // The hit is in the last hour's minutes; which minute depends on when the query lands
            // (a loaded CI run crossed a minute boundary between the call and the query).
            #expect(email.action == "redact" && email.total == 1 && email.scope == "team:web" && email.perMinute.reduce(0, +) == 1)
            #expect(email.perMinute.count == 60, "one bucket per minute of the last hour")
            #expect(guardrails.recent.first?.detector == "email")

            // No reply carries the key's secret, its hash, or the matched text.
            let raw = try RawControlSocket(path: f.gateway.controlSocketPath)
            try await raw.send(#"{"type":"hello","hello":{"protocolVersion":1,"peer":"raw"}}"# + "\n")
            _ = try await raw.readLine()
            var everything = ""
            for (id, query) in ControlQuery.allCases.enumerated() {
                try await raw.send(#"{"type":"query","id":\#(id),"query":"\#(query.rawValue)"}"# + "\n")
                everything += try #require(try await raw.readLine())
            }
            #expect(!everything.contains(f.key))
            #expect(!everything.contains("jane.doe"))
            #expect(!everything.contains("secretHash"))
        }
    }

    // MARK: Live feed

    @Test func subscribersReceiveRealCallsAsTheyFinish() async throws {
        try await Self.run { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            try await client.subscribe()
            let reply = try await f.chat()
            let requestID = try #require(reply.header("x-request-id"))
            let event = try await firstEvent(client) { $0.event?.call?.requestId == requestID }
            let row = try #require(event.event?.call)
            #expect(row.alias == "chat" && row.status == 200 && row.outcome == "success")
            #expect(row.provider == reply.header("x-aam-provider"))
            #expect(row.scope == "acme/web")
            #expect(f.key.hasPrefix(row.keyPrefix ?? "-"))
            #expect(row.promptTokens > 0 && row.costUSD != nil)
        }
    }

    @Test func theTrendsQueryHasTheWindowAndSubscribersGetTrendEvents() async throws {
        try await Self.run(configure: { $0.controlSocketSettings.trendPushInterval = .milliseconds(200) }) { f in
            let client = try await connectControl(f.gateway)
            defer { client.close() }
            for _ in 0..<3 { #expect(try await f.chat().status == 200) }
            // A console attaching now sees the calls in the window at once.
            let history = try #require(try await client.query(.trends).trends)
            #expect(history.intervalSeconds == 10 && history.capacity == 90 && history.buckets.count == 90)
            #expect(history.buckets.suffix(2).reduce(0) { $0 + $1.requests } == 3, "\(history.buckets.suffix(2))")
            #expect(history.buckets.suffix(2).contains { $0.deployments?["chat-a"] != nil || $0.deployments?["chat-b"] != nil })
            #expect(history.buckets.suffix(2).contains { Double($0.spendUSD) ?? 0 > 0 }, "priced calls spend")
            // Subscribed, it gets the newest buckets on the ticker.
            try await client.subscribe()
            let event = try await firstEvent(client) { $0.event?.kind == .trend }
            let pushed = try #require(event.event?.trend)
            #expect(pushed.buckets.count == 2 && pushed.buckets.last?.start == history.buckets.last?.start
                || pushed.buckets.last?.start ?? .distantPast > history.buckets.last?.start ?? .distantFuture)
        }
    }

    @Test func aSlowSubscriberMissesEventsWithoutSlowingTheDaemonOrOthers() async throws {
        try await Self.run(configure: { $0.controlSocketSettings.subscriberBuffer = 32 }) { f in
            // The slow one subscribes, then stops reading.
            let slow = try RawControlSocket(path: f.gateway.controlSocketPath)
            slow.shrinkReceiveBuffer(to: 4096)
            let fast = try await connectControl(f.gateway)
            defer { fast.close() }
            try await slow.send(#"{"type":"hello","hello":{"protocolVersion":1,"peer":"slow"}}"# + "\n" + #"{"type":"subscribe","id":1}"# + "\n")
            #expect(try await slow.readMessage()?.type == .hello)
            #expect(try await slow.readMessage()?.type == .subscribed)
            try await fast.subscribe()
            try await eventually("both subscribed") { try await fast.query(.status).status?.subscribers == 2 }

            // A burst far larger than every buffer between the daemon and the slow reader.
            let bus = f.gateway.gateway.runtime.bus
            for index in 0..<5_000 {
                bus.publish(.adminChange(actor: "burst", action: "test.burst", target: String(repeating: "x", count: 100) + "\(index)"))
            }
            // The daemon still serves, and the fast subscriber sees the next real call.
            let started = ContinuousClock.now
            let reply = try await f.chat()
            #expect(reply.status == 200)
            #expect(ContinuousClock.now - started < .seconds(5))
            let requestID = try #require(reply.header("x-request-id"))
            _ = try await firstEvent(fast) { $0.event?.call?.requestId == requestID }

            // Now the slow one reads: the backlog, then a `missed` counting what it lost.
            var missed = 0
            var events = 0
            var sawTheCall = false
            while let message = try await slow.readMessage(timeout: 10) {
                if message.type == .missed { missed += message.missed ?? 0 }
                // Trend events come from the session's own ticker, not the bus: not part of the burst.
                if message.type == .event, message.event?.kind != .trend { events += 1 }
                if message.event?.call?.requestId == requestID {
                    sawTheCall = true
                    break
                }
            }
            #expect(missed > 0)
            #expect(sawTheCall)
            #expect(events + missed == 5_001)
        }
    }
}
