import AAMCore
import AAMSecrets
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `aamd` replicas as real processes on one Postgres database, for fault tests that need a
/// process to `kill -9` (in-process gateways cannot be killed that way). Every replica has its
/// own replica id, loopback port, control socket and spool directory under `root`; all share the
/// master key and admin token. A replica started again with the same id reuses its directory,
/// so it finds the spool its killed predecessor left.
final class ClusterProcessRig: Sendable {
    static let adminToken = "cluster-process-admin-0123456789"
    let database: String
    let master = MasterKey.generateBase64()
    let root: URL
    /// Every process started, stopped by pid in `stopAll` (also when a test fails half-way).
    private let started = Mutex<[ReplicaProcess]>([])

    init(database: String) throws {
        self.database = database
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aam-cluster-proc-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Starts replica `id` and waits (bounded) until it listens. A restart of an id whose
    /// process was killed waits up to ~5 s in `aamd` itself (it watches the old heartbeat row to
    /// tell a dead predecessor from a live twin), so the deadline is generous.
    func start(_ id: String, deadline: Duration = .seconds(90)) async throws -> ReplicaProcess {
        let directory = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runner = try ProcessRunner(
            "aamd",
            arguments: [
                "--listen", "127.0.0.1:0", "--database", database, "--durability", "strict", "--replica-id", id,
                "--control-socket", directory.appendingPathComponent("control.sock").path,
                "--spool-dir", directory.appendingPathComponent("spool").path,
            ],
            environment: ["AAM_MASTER_KEY": master, "AAM_ADMIN_TOKEN": Self.adminToken])
        let replica = ReplicaProcess(id: id, runner: runner, base: "")
        started.withLock { $0.append(replica) }
        guard let line = await CrashSafetyRig.bounded(deadline, { await runner.firstLine(containing: "aamd listening") }),
            let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
            let port = address.split(separator: ":").last.flatMap({ Int($0) })
        else {
            throw CrashSafetyError("replica \(id) did not start within \(deadline):\n\(runner.allOutput.suffix(3000))")
        }
        return ReplicaProcess(id: id, runner: runner, base: "http://127.0.0.1:\(port)")
    }

    /// The last lines each process printed, for a failing test's report.
    func recordOutputs() {
        for replica in started.withLock({ $0 }) {
            Issue.record("aamd \(replica.id) (pid \(replica.runner.pid)) output:\n\(replica.runner.allOutput.suffix(6000))")
        }
    }

    /// SIGTERM to every process still running, then SIGKILL to any that overstays; removes the
    /// directories. Returns the exit status of each process that was running, by replica id.
    @discardableResult
    func stopAll() async -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        let all = started.withLock { processes in
            defer { processes = [] }
            return processes
        }
        for replica in all where replica.runner.process.isRunning {
            replica.runner.signal(SIGTERM)
            statuses[replica.id] = await replica.runner.waitForExit(timeout: .seconds(30))
        }
        try? FileManager.default.removeItem(at: root)
        return statuses
    }
}

/// One running `aamd` of a `ClusterProcessRig`, with the HTTP calls the tests make on it.
struct ReplicaProcess: Sendable {
    let id: String
    let runner: ProcessRunner
    let base: String

    var isRunning: Bool { runner.process.isRunning }

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] }
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    }

    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, bearer: String?, timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let bearer { request.headers.add(name: "authorization", value: "Bearer \(bearer)") }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
    }

    func admin(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> Reply {
        try await send(method, path, json: json, bearer: ClusterProcessRig.adminToken)
    }

    /// An admin call that must succeed (2xx); its JSON object.
    @discardableResult
    func adminOK(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> [String: Any] {
        let reply = try await admin(method, path, json: json)
        guard (200..<300).contains(reply.status) else { throw CrashSafetyError("\(id): \(method) \(path) -> \(reply.status) \(reply.text)") }
        return reply.json ?? [:]
    }

    /// Records spooled on this replica and not yet in Postgres (`aam_spool_backlog_records`).
    func spoolBacklog() async throws -> Int { try await CrashSafetyRig.spoolBacklog(base) }

    func kill9() { runner.signal(SIGKILL) }
}

/// The vendor and the budget both cluster fault tests run on: the fake vendor as provider
/// `vendor-a` behind alias `solo`, org `acme` with a daily token budget, and a key of `acme`;
/// made on `replica` and waited for (bounded) on every one of `all`.
enum ClusterProcessSetup {
    static func budget(tokens: Int, fake: FakeUpstream, on replica: ReplicaProcess, all: [ReplicaProcess]) async throws -> (id: String, secret: String) {
        try await replica.adminOK(
            .POST, "/admin/providers",
            json: #"{"name":"vendor-a","protocol":"openai","baseURL":"\#(fake.baseURL)","credential":"\#(BadInputUpstreamTests.upstreamKey)"}"#)
        try await replica.adminOK(.POST, "/admin/deployments", json: #"{"id":"solo-only","alias":"solo","provider":"vendor-a","upstreamModel":"gpt-4o-mini","weight":1}"#)
        try await replica.adminOK(.POST, "/admin/orgs", json: #"{"id":"acme","budgets":[{"id":"tight","period":"daily","tokens":\#(tokens)}]}"#)
        let issued = try await replica.adminOK(.POST, "/admin/keys", json: #"{"orgId":"acme"}"#)
        let key = (try #require(issued["id"] as? String), try #require(issued["key"] as? String))
        for other in all { try await waitForKey(key.0, on: other) }
        return key
    }

    /// Waits until `replica` has the key `id` (it arrives through the configuration feed; the
    /// feed applies changes in order, so everything made before it is there too).
    static func waitForKey(_ id: String, on replica: ReplicaProcess, seconds: Double = 30) async throws {
        try await crashPoll("key \(id) reached replica \(replica.id)", seconds: seconds) {
            try await replica.admin(.GET, "/admin/keys/\(id)").status == 200
        }
    }
}

/// Chat calls spread over replicas by index (call `i` goes to `targets[i % count]`), at most
/// `concurrency` at a time, each remembered with its outcome. Half are streamed; a 200 counts
/// as complete only with its whole answer (a JSON body, or a stream up to `[DONE]`).
final class ClusterCallLoad: Sendable {
    struct Outcome: Sendable {
        var index: Int
        var replica: String
        var started: ContinuousClock.Instant
        var finished: ContinuousClock.Instant
        var status: Int?
        var code: String?
        var requestId: String?
        var complete: Bool
        var error: String?

        var served: Bool { status == 200 && complete }
        var refusedForBudget: Bool { status == 429 && code == "budget_exceeded" }
    }

    private let inFlight = Mutex<[String: Int]>([:])
    /// Replicas taken out of the rotation (as a load balancer would after a failed check):
    /// calls meant for them are skipped. AsyncHTTPClient retries a refused connect until the
    /// request's deadline, so calls sent to a dead replica would each idle for the full timeout.
    private let down = Mutex<Set<String>>([])
    private let servedCount = Atomic<Int>(0)

    var served: Int { servedCount.load(ordering: .relaxed) }
    func inFlight(on replica: String) -> Int { inFlight.withLock { $0[replica] ?? 0 } }
    func markDown(_ replica: String) { _ = down.withLock { $0.insert(replica) } }

    /// Runs calls `indices` and returns every outcome (in no particular order).
    func run(_ indices: Range<Int>, on targets: [ReplicaProcess], key: String, concurrency: Int) async -> [Outcome] {
        let next = NextIndex(indices.lowerBound)
        return await withTaskGroup(of: [Outcome].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Outcome] = []
                    while true {
                        let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < indices.upperBound else { return mine }
                        let target = targets[index % targets.count]
                        if self.down.withLock({ $0.contains(target.id) }) { continue }
                        mine.append(await self.call(index, on: target, key: key))
                    }
                }
            }
            var all: [Outcome] = []
            for await outcomes in group { all += outcomes }
            return all
        }
    }

    /// The next call to make, shared by the workers (an `Atomic` cannot be captured itself).
    private final class NextIndex: Sendable {
        let value: Atomic<Int>
        init(_ first: Int) { value = Atomic(first) }
    }

    private func call(_ index: Int, on replica: ReplicaProcess, key: String) async -> Outcome {
        let stream = index % 2 == 0
        var outcome = Outcome(index: index, replica: replica.id, started: .now, finished: .now, complete: false)
        inFlight.withLock { $0[replica.id, default: 0] += 1 }
        defer { inFlight.withLock { $0[replica.id, default: 0] -= 1 } }
        do {
            let reply = try await replica.send(.POST, "/v1/chat/completions", json: ClusterBudgetTests.body(index, stream: stream), bearer: key, timeout: .seconds(15))
            outcome.status = reply.status
            outcome.requestId = reply.headers.first(name: "x-request-id")
            outcome.code = reply.errorCode
            if reply.status == 200 {
                outcome.complete = stream ? reply.text.contains("data: [DONE]") : reply.json?["choices"] != nil
                if outcome.complete { servedCount.wrappingAdd(1, ordering: .relaxed) }
            }
        } catch {
            outcome.error = "\(error)"
        }
        outcome.finished = .now
        return outcome
    }
}
