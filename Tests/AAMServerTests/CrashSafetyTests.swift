import AAMCore
import AAMSecrets
import AAMStorePostgres
import AAMStoreSQLite
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// The evidence promise, proven on the real `aamd`: with `--durability strict`, every call whose
/// response a client received completely is in the database exactly once, even when the daemon
/// is killed with SIGKILL under load, or the database (Postgres) is stopped for a while.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test func killDashNineUnderLoadLosesNoCompletedCallSQLite() async throws {
        let directory = try CrashSafetyRig.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let rig = try CrashSafetyRig(directory: directory, database: database)

        let first = try await rig.startDaemon()
        let load = CrashSafetyLoad(base: first.base, key: rig.demoKey)
        load.start(workers: 12)
        try await crashPoll("200 calls completed under load", seconds: 120) { load.completedCount >= 200 }
        first.daemon.signal(SIGKILL)
        _ = await first.daemon.waitForExit()
        let completed = await load.stop()
        #expect(completed.count >= 200)
        #expect(rig.spoolHasFiles, "the spool lives next to the database")

        // Restart on the same data: the spool is replayed before the listener opens.
        let second = try await rig.startDaemon()
        try await crashPoll("the spool drained after the restart") { try await CrashSafetyRig.spoolBacklog(second.base) == 0 }
        second.daemon.signal(SIGTERM)
        #expect(await second.daemon.waitForExit() == 0, "\(second.daemon.allOutput.suffix(2000))")

        let store = try await SQLiteStore.open(path: "\(directory.path)/aam.db")
        try await CrashSafetyRig.expectExactlyOnce(completed, in: store)
        try await store.close()
    }

    @Test func killDashNineUnderLoadLosesNoCompletedCallPostgres() async throws {
        guard let server = try CrashSafetyRig.postgresURL() else { return }
        // A scratch database of our own: the shared `aam` database holds other tests' keys,
        // sealed with their master keys.
        let serverURL = try PostgresURL(parsing: server)
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: serverURL, prefix: "aam_crash")
        defer { Task { try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: serverURL) } }
        let url = scratch.unmaskedString
        let directory = try CrashSafetyRig.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rig = try CrashSafetyRig(directory: directory, database: url, spoolDirectory: directory.appendingPathComponent("spool").path)

        let first = try await rig.startDaemon()
        let load = CrashSafetyLoad(base: first.base, key: rig.demoKey)
        load.start(workers: 12)
        try await crashPoll("200 calls completed under load", seconds: 120) { load.completedCount >= 200 }
        first.daemon.signal(SIGKILL)
        _ = await first.daemon.waitForExit()
        let completed = await load.stop()

        let second = try await rig.startDaemon()
        try await crashPoll("the spool drained after the restart") { try await CrashSafetyRig.spoolBacklog(second.base) == 0 }
        second.daemon.signal(SIGTERM)
        #expect(await second.daemon.waitForExit() == 0, "\(second.daemon.allOutput.suffix(2000))")

        let store = try await PostgresStore.open(url: url)
        try await CrashSafetyRig.expectExactlyOnce(completed, in: store)
        await store.close()
    }

    /// Stops a PRIVATE Postgres (its own `scripts/with-postgres`), never the shared one other
    /// tests are using at the same time.
    @Test func postgresStoppedUnderLoadTheDaemonServesAndCatchesUpExactlyOnce() async throws {
        guard try CrashSafetyRig.postgresURL() != nil else { return }
        let postgres = try await PrivatePostgres.start()
        defer { postgres.close() }
        let url = postgres.url
        let directory = try CrashSafetyRig.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rig = try CrashSafetyRig(directory: directory, database: url, spoolDirectory: directory.appendingPathComponent("spool").path)

        let running = try await rig.startDaemon()
        let load = CrashSafetyLoad(base: running.base, key: rig.demoKey)
        load.start(workers: 8)
        var restarted = false
        let completed: Set<String>
        do {
            try await crashPoll("calls flow while Postgres is up") { load.successCount >= 50 }
            try await postgres.stop()
            let successesAtStop = load.successCount
            // The daemon keeps answering from the spool while the database is gone...
            try await crashPoll("calls keep succeeding with Postgres down") { load.successCount >= successesAtStop + 200 }
            // ...and the evidence waits in the spool.
            try await crashPoll("the spool backlog grows") { try await CrashSafetyRig.spoolBacklog(running.base) >= 100 }
            try await postgres.start()
            restarted = true
            completed = await load.stop()
            try await crashPoll("the backlog drains once Postgres is back", seconds: 90) { try await CrashSafetyRig.spoolBacklog(running.base) == 0 }
        } catch {
            _ = await load.stop()
            if !restarted { try? await postgres.start() }
            Issue.record("aamd output: \(running.daemon.allOutput.suffix(3000))")
            throw error
        }
        running.daemon.signal(SIGTERM)
        #expect(await running.daemon.waitForExit() == 0, "\(running.daemon.allOutput.suffix(2000))")

        let store = try await PostgresStore.open(url: url)
        try await CrashSafetyRig.expectExactlyOnce(completed, in: store)
        await store.close()
    }
}

/// A data directory, the sample config and the flags to start `aamd` on it, again and again.
struct CrashSafetyRig {
    let directory: URL
    let database: String
    let spoolDirectory: String?
    let demoKey = VirtualKeyFormat.generate()
    let masterKey = MasterKey.generateBase64()

    init(directory: URL, database: String, spoolDirectory: String? = nil) throws {
        self.directory = directory
        self.database = database
        self.spoolDirectory = spoolDirectory
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-crash-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The Postgres URL of the test cluster; nil (skip) outside CI, a failure in CI.
    static func postgresURL() throws -> String? {
        if let url = CrashSafetyTests.environment["AAM_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        if CrashSafetyTests.environment["CI"] != nil {
            Issue.record("AAM_TEST_POSTGRES_URL is not set: in CI the Postgres tests must run (scripts/with-postgres)")
        }
        return nil
    }

    var spoolHasFiles: Bool {
        let spool = spoolDirectory ?? directory.appendingPathComponent("spool").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).contains { $0.hasSuffix(".spool") }
    }

    func startDaemon() async throws -> (daemon: ProcessRunner, base: String) {
        var arguments = [
            "--config", DaemonProcessTests.sampleConfig, "--listen", "127.0.0.1:0", "--database", database, "--durability", "strict",
            "--control-socket", directory.appendingPathComponent("control.sock").path,
        ]
        if let spoolDirectory { arguments += ["--spool-dir", spoolDirectory] }
        let daemon = try ProcessRunner(
            "aamd", arguments: arguments, environment: ["AAM_MASTER_KEY": masterKey, "AAM_DEMO_KEY": demoKey, "AAM_DEMO_MCP_TOKEN": "crash-mcp-token", "AAM_ADMIN_TOKEN": "crash-admin"])
        let listening = try #require(await Self.bounded(.seconds(60)) { await daemon.firstLine(containing: "aamd listening") }, "\(daemon.allOutput)")
        let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        return (daemon, "http://127.0.0.1:\(port)")
    }

    /// `operation`'s result, or nil when it takes longer than `limit` (it is then cancelled).
    static func bounded<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T?) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// `aam_spool_backlog_records` from `/metrics`.
    static func spoolBacklog(_ base: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(5))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("aam_spool_backlog_records ") }),
            let value = line.split(separator: " ").last.flatMap({ Double($0) })
        else { throw CrashSafetyError("no aam_spool_backlog_records in /metrics") }
        return Int(value)
    }

    /// Every completed request id is stored, and no request id is stored twice.
    static func expectExactlyOnce(_ completed: Set<String>, in store: any CallRecordStore) async throws {
        var missing: [String] = []
        for id in completed where try await store.call(requestId: id) == nil { missing.append(id) }
        #expect(missing.isEmpty, "\(missing.count) of \(completed.count) completed calls are not in the store, e.g. \(missing.prefix(5))")
        let all = try await store.recentCalls(limit: 1_000_000).map(\.requestId)
        #expect(all.count == Set(all).count, "a request id is stored twice")
    }
}

/// Concurrent clients (plain and streamed chat) that remember the request id of every response
/// they received completely: a plain body in full, a stream up to its terminating event.
final class CrashSafetyLoad: Sendable {
    let base: String
    let key: String
    private let completed = Mutex<Set<String>>([])
    private let successes = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let workers = Mutex<[Task<Void, Never>]>([])

    init(base: String, key: String) {
        self.base = base
        self.key = key
    }

    var completedCount: Int { completed.withLock { $0.count } }
    var successCount: Int { successes.load(ordering: .relaxed) }

    func start(workers count: Int) {
        let tasks = (0..<count).map { worker in
            Task { [self] in
                var index = 0
                while !stopping.load(ordering: .relaxed) {
                    index += 1
                    let stream = (worker + index) % 3 == 0
                    if let (id, status) = await CrashSafetyRig.bounded(.seconds(30), { await self.call(stream: stream) }) {
                        completed.withLock { _ = $0.insert(id) }
                        if status == 200 { successes.wrappingAdd(1, ordering: .relaxed) }
                    } else {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
        }
        workers.withLock { $0 = tasks }
    }

    /// Stops the clients and returns the ids of every completed response.
    func stop() async -> Set<String> {
        stopping.store(true, ordering: .relaxed)
        for task in workers.withLock({ $0 }) { await task.value }
        return completed.withLock { $0 }
    }

    private func call(stream: Bool) async -> (String, Int)? {
        var request = HTTPClientRequest(url: base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model":"fast","stream":\#(stream),"messages":[{"role":"user","content":"evidence"}]}"#))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
            guard let id = response.headers.first(name: "x-request-id") else { return nil }
            let body = String(buffer: try await response.body.collect(upTo: 4 << 20))
            let status = Int(response.status.code)
            if status == 200 {
                // Complete only with the terminating event / a whole JSON answer.
                if stream ? !body.contains("data: [DONE]") : (try? JSONSerialization.jsonObject(with: Data(body.utf8))) == nil { return nil }
            }
            return (id, status)
        } catch {
            return nil
        }
    }
}

struct CrashSafetyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds, failing after `seconds` (with the last error).
func crashPoll(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    var lastError: (any Error)?
    while true {
        do {
            if try await condition() { return }
        } catch {
            lastError = error
        }
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting: \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
