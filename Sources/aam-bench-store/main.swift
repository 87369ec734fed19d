// aam-bench-store: call-record write rate of a store backend.
//
//   aam-bench-store --database postgres://aam@127.0.0.1:5432/aam [--records 100000] [--batch 500] [--writers 1]
//   aam-bench-store --database sqlite:/tmp/bench.db
//
// Generates realistic call records (attempts, guardrail decisions, cost) before timing, then
// appends them in batches through the store's `append` (the call-record writer's path) and
// prints records/s and the p50/p99 latency of one batch append. Postgres runs write into a
// fresh database of their own on that server, dropped at the end.
import AAMCore
import AAMStore
import AAMStorePostgres
import AAMStoreSQLite
import Foundation

struct Arguments {
    var database = ""
    var records = 100_000
    var batch = 500
    var writers = 1

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            func value() throws -> String {
                guard let value = iterator.next() else { throw BenchError("\(name) needs a value") }
                return value
            }
            func count() throws -> Int {
                let text = try value()
                guard let number = Int(text), number > 0 else { throw BenchError("\(name) must be a positive integer, got '\(text)'") }
                return number
            }
            switch name {
            case "--database": database = try value()
            case "--records": records = try count()
            case "--batch": batch = try count()
            case "--writers": writers = try count()
            case "-h", "--help":
                print("usage: aam-bench-store --database postgres://…|sqlite:PATH|memory [--records N] [--batch N] [--writers N]")
                exit(0)
            default: throw BenchError("unknown argument \(name)")
            }
        }
        guard !database.isEmpty else { throw BenchError("--database is required (postgres://…, sqlite:PATH or memory)") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A call record like the gateway writes: a fallback attempt on some, guardrail decisions on
/// some, cost on all billed calls.
func realisticRecord(_ index: Int, run: String, start: Date) -> CallRecord {
    let aliases = ["fast", "smart", "reasoning-high", "embed", "cheap"]
    let providers = ["openai-east", "azure-west", "anthropic", "sim-openai-east"]
    let alias = aliases[index % aliases.count]
    let provider = providers[index % providers.count]
    let failedFirst = index % 10 == 0
    var attempts: [CallRecord.Attempt] = []
    if failedFirst {
        attempts.append(CallRecord.Attempt(deployment: "\(alias)-backup", provider: "azure-west", status: 503, errorClass: "upstream_5xx", latencyMs: 41.5))
    }
    attempts.append(
        CallRecord.Attempt(
            deployment: "\(alias)-\(provider)", provider: provider, status: 200, errorClass: nil, latencyMs: 180 + Double(index % 400),
            promptTokens: 200 + index % 1_000, completionTokens: 50 + index % 300))
    let status = index % 50 == 0 ? 429 : 200
    var record = CallRecord(
        requestId: "req_\(run)_\(index)", startedAt: start.addingTimeInterval(Double(index) * 0.001),
        keyId: "key_\(index % 200)", keyPrefix: "sk-aam-Ab\(index % 200)", orgId: "acme", teamId: "team-\(index % 8)",
        projectId: "proj-\(index % 32)", endpoint: index % 3 == 0 ? "/v1/messages" : "/v1/chat/completions", alias: alias,
        provider: provider, deployment: "\(alias)-\(provider)", upstreamModel: "model-\(alias)", status: status,
        outcome: status == 200 ? .success : .rejected, errorClass: status == 200 ? nil : "rate_limited",
        promptTokens: 200 + index % 1_000, completionTokens: 50 + index % 300, latencyMs: 220 + Double(index % 500),
        ttftMs: index % 2 == 0 ? 95.5 : nil, streamed: index % 2 == 0, attempts: attempts,
        guardrails: index % 7 == 0
            ? [GuardrailDecision(detector: "email", direction: .request, action: .redact, count: 1, location: "messages[0].content")] : [])
    if status == 200 {
        record.costUSD = "0.000\(100 + index % 900)"
        record.priceVersion = "2026-11"
    }
    return record
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
}

func runBenchmark(_ arguments: Arguments) async throws {
    let run = String(UUID().uuidString.prefix(8))
    let start = Date()
    let records = (0..<arguments.records).map { realisticRecord($0, run: run, start: start) }
    let batches = stride(from: 0, to: records.count, by: arguments.batch).map { Array(records[$0..<min(records.count, $0 + arguments.batch)]) }

    // What the client spends per record before the database sees it (the stores encode JSON).
    let encoder = JSONEncoder()
    let encodeStart = ContinuousClock.now
    for record in records.prefix(20_000) { _ = try encoder.encode(record) }
    let encodeMicros = milliseconds(ContinuousClock.now - encodeStart) * 1_000 / Double(min(records.count, 20_000))

    let store: any CallRecordStore
    let label: String
    var cleanup: () async throws -> Void = {}
    if arguments.database.hasPrefix("postgres://") || arguments.database.hasPrefix("postgresql://") {
        let server = try PostgresURL(parsing: arguments.database)
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_bench")
        var options = PostgresStore.Options()
        options.maximumConnections = max(2, arguments.writers)
        let postgres = try await PostgresStore.open(url: scratch.unmaskedString, options: options)
        store = postgres
        label = "postgres \(server)"
        cleanup = {
            await postgres.close()
            try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
        }
    } else if arguments.database.hasPrefix("sqlite:") {
        let sqlite = try await SQLiteStore.open(path: String(arguments.database.dropFirst("sqlite:".count)))
        store = sqlite
        label = arguments.database
        cleanup = { try await sqlite.close() }
    } else if arguments.database == "memory" {
        store = InMemoryCallRecordStore()
        label = "memory"
    } else {
        throw BenchError("--database must be postgres://…, sqlite:PATH or memory")
    }

    do {
        let before = try await store.callCount()
        let clock = ContinuousClock()
        let began = clock.now
        // Writers take batches in turn (writer w gets batches w, w+W, ...).
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for writer in 0..<arguments.writers {
                group.addTask {
                    var mine: [Double] = []
                    for index in stride(from: writer, to: batches.count, by: arguments.writers) {
                        let t0 = clock.now
                        try await store.append(batches[index])
                        mine.append(milliseconds(clock.now - t0))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
        }
        let elapsed = milliseconds(clock.now - began) / 1_000
        let written = try await store.callCount() - before
        guard written == records.count else { throw BenchError("expected \(records.count) new records, the store counts \(written)") }
        let rate = Double(records.count) / elapsed
        print(
            String(
                format: "%@: %d records in %d batches of %d, %d writer(s): %.2f s, %.0f records/s; batch append p50 %.1f ms, p99 %.1f ms (JSON encoding alone %.1f µs/record)",
                label, records.count, batches.count, arguments.batch, arguments.writers, elapsed, rate, percentile(latencies, 0.5),
                percentile(latencies, 0.99), encodeMicros))
    } catch {
        try? await cleanup()
        throw error
    }
    try await cleanup()
}

do {
    try await runBenchmark(try Arguments(Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("aam-bench-store: \(error)\n".utf8))
    exit(1)
}
