import AAMCore
import AAMSecrets
import AAMServer
import Foundation
import SQLiteNIO
import Synchronization
import Testing

/// The spool inside the gateway: strict responses wait for their fsync, batched ones do not,
/// and at the spool's limit the gateway refuses calls in each API's own error format.
@Suite("Evidence spool in the gateway", .serialized)
struct SpoolGatewayTests {
    static let plain = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#
    static let streamed = #"{"model":"fast","stream":true,"messages":[{"role":"user","content":"hi"}]}"#

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aam-spoolgw-\(Identifiers.random(10))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func start(
        _ directory: String, key: String, masterKey: String = MasterKey.generateBase64(), configure: @escaping (inout DaemonOptions) -> Void = { _ in }
    ) async throws -> GatewayHarness {
        try await GatewayHarness.start(
            database: "sqlite:\(directory)/aam.db", config: DaemonProcessTests.sampleConfig, masterKey: masterKey, environment: ["AAM_DEMO_KEY": key, "AAM_DEMO_MCP_TOKEN": "spool-mcp-token"],
            configure: configure)
    }

    @Test func strictAnswersPlainAndStreamedLeaveOnlyAfterTheirRecordIsFsynced() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = VirtualKeyFormat.generate()
        let harness = try await start(directory, key: key)
        let spool = try #require(harness.gateway.writer.spool, "a SQLite database gets a spool next to it")
        #expect(spool.directory == directory + "/spool")
        #expect(harness.gateway.writer.durability == .strict)
        for body in [Self.plain, Self.streamed] {
            let before = spool.syncCount
            let reply = try await harness.call("/v1/chat/completions", key: key, json: body)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(spool.syncCount > before, "the record was fsynced before the response completed")
            let id = try #require(reply.header("x-request-id"))
            try await spoolGatewayPoll("the record drains to the store") { try await harness.gateway.callStore.call(requestId: id) != nil }
        }
        if let last = try await harness.gateway.callStore.recentCalls(limit: 1).first {
            #expect(last.streamed)
            #expect(last.outcome == .success)
            #expect(last.ttftMs != nil, "time to first byte is still measured when the stream's tail is withheld")
        }
        await harness.stop()
    }

    @Test func batchedAnswersDoNotWaitAndAGracefulStopStillRecordsThem() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = VirtualKeyFormat.generate()
        let harness = try await start(directory, key: key) {
            $0.evidence.durability = .batched
            $0.evidence.flushIntervalMs = 600_000  // never, during this test
        }
        let spool = try #require(harness.gateway.writer.spool)
        let before = spool.syncCount
        let reply = try await harness.call("/v1/chat/completions", key: key, json: Self.plain)
        #expect(reply.status == 200)
        #expect(spool.syncCount == before, "batched: the response did not wait for an fsync")
        #expect(harness.gateway.writer.backlog.records == 1, "the record waits in memory")
        let id = try #require(reply.header("x-request-id"))
        await harness.stop()

        let again = try await start(directory, key: key, masterKey: harness.masterKey)
        #expect(try await again.gateway.callStore.call(requestId: id) != nil, "SIGTERM-style stop flushed and drained it")
        await again.stop()
    }

    @Test func atTheSpoolLimitCallsAreRefusedInTheirAPIsFormatAndServedAgainOnceTheDatabaseIsBack() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = VirtualKeyFormat.generate()
        let harness = try await start(directory, key: key) { $0.evidence.spoolMaxBytes = 48_000 }
        let subscription = harness.gateway.runtime.bus.subscribe()
        defer { subscription.cancel() }
        // The audit entries of the config file applied at start drain first.
        try await spoolGatewayPoll("the start-up backlog drains") { harness.gateway.writer.backlog.records == 0 }
        // Another connection holds the database's write lock: the drain cannot write.
        let blocker = try await SQLiteConnection.open(storage: .file(path: "\(directory)/aam.db"))
        _ = try await blocker.query("BEGIN EXCLUSIVE")
        var served: [String] = []
        var refusal: GatewayHarness.Reply?
        for _ in 0..<200 {
            let reply = try await harness.call("/v1/chat/completions", key: key, json: Self.plain)
            if reply.status == 503, (try? reply.errorCode()) == "evidence_unavailable" {
                refusal = reply
                break
            }
            #expect(reply.status == 200, "\(reply.text)")
            if let id = reply.header("x-request-id") { served.append(id) }
        }
        let refused = try #require(refusal, "the spool limit was never reached")
        #expect(served.count >= 5)
        #expect(refused.header("retry-after") != nil)
        #expect(try refused.errorMessage().contains("cannot record calls"))
        let anthropic = try await harness.call(
            "/v1/messages", key: key, json: #"{"model":"fast","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(anthropic.status == 503)
        #expect(anthropic.text.contains(#""type":"error""#), "Anthropic's error envelope: \(anthropic.text)")
        let backlog = harness.gateway.writer.backlog
        #expect(backlog.bytes <= 48_000)
        // Every served call's record, plus at most the one refused after admission (its append
        // did not fit: it waits in memory, amended to say evidence_unavailable).
        #expect(backlog.records >= served.count && backlog.records <= served.count + 1, "\(backlog.records) vs \(served.count)")
        let events = subscription.events
        let alarm = await withTaskGroup(of: GatewayEvent?.self) { group in
            group.addTask {
                for await event in events { if case .spoolAlarm = event { return event } }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard case .spoolAlarm(let bytes, let limit)? = alarm else {
            Issue.record("no spool alarm")
            return
        }
        #expect(limit == 48_000)
        #expect(bytes >= 48_000 * 8 / 10)

        _ = try await blocker.query("COMMIT")
        try await blocker.close()
        try await spoolGatewayPoll("the backlog drains once the database is writable", seconds: 40) { harness.gateway.writer.backlog.records == 0 }
        let after = try await harness.call("/v1/chat/completions", key: key, json: Self.plain)
        #expect(after.status == 200)
        for id in served { #expect(try await harness.gateway.callStore.call(requestId: id) != nil, "\(id) was recorded") }
        await harness.stop()
    }
}

/// Polls `condition` every 10 ms until it holds, failing after `seconds`.
func spoolGatewayPoll(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting: \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The default spool directory is one per database, so daemons on different databases (parallel
/// tests on scratch databases) never contend for one directory.
@Suite("Evidence spool default directory")
struct SpoolDefaultDirectoryTests {
    @Test func postgresDefaultNamesTheDatabaseButNeverTheCredentials() {
        let settings = EvidenceSettings()
        let first = settings.resolvedSpoolDirectory(database: "postgres://aam:hunter2@127.0.0.1:5432/aam_gw_1")
        let second = settings.resolvedSpoolDirectory(database: "postgres://aam:hunter2@127.0.0.1:5432/aam_gw_2")
        #expect(first == "./aam-data/spool-127_0_0_1-5432-aam_gw_1")
        #expect(first != second)
        #expect(first?.contains("hunter2") == false)
        #expect(settings.resolvedSpoolDirectory(database: "sqlite:/var/aam/aam.db") == "/var/aam/spool")
        #expect(settings.resolvedSpoolDirectory(database: "memory") == nil)
    }
}
