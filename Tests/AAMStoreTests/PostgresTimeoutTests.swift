import AAMCore
@testable import AAMStorePostgres
import Foundation
import PostgresNIO
import Testing

@Suite("Postgres operation deadline")
struct DeadlineTests {
    @Test("the body's value when it finishes in time, nil when the limit passes first, even if the body ignores cancellation")
    func deadline() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
        let clock = ContinuousClock()
        let started = clock.now
        let late: Int? = try await withDeadline(.milliseconds(200)) {
            // Ignores cancellation: sleeps on a thread, not through Task.sleep.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 20) { continuation.resume() }
            }
            return 1
        }
        #expect(late == nil)
        // Generous bound: on a loaded 2-core machine the timer task may start late, but the
        // caller must come back long before the 20 s body ends.
        #expect(clock.now - started < .seconds(10), "the caller is not held until the body ends")
    }

    @Test("errors of the body pass through; a cancelled caller gets CancellationError")
    func errorsAndCancellation() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) { _ = try await withDeadline(.seconds(5)) { () async throws -> Int in throw Boom() } }
        let task = Task { try await withDeadline(.seconds(30)) { try await Task.sleep(for: .seconds(30)); return 1 } }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
}

@Suite("PostgresStore deadline", .enabled(if: PostgresTestServer.shouldRun, "AAM_TEST_POSTGRES_URL is not set"))
struct PostgresDeadlineTests {
    @Test("an operation blocked on the server fails after operationTimeout with a clear error, and the store works afterwards")
    func blockedOperation() async throws {
        try await PostgresTestServer.withScratchStore { _, url in
            var options = PostgresStore.Options()
            options.operationTimeout = .milliseconds(500)
            let store = try await PostgresStore.open(url: url.unmaskedString, options: options)
            // One statement holds an exclusive lock on call_records for 10 s: the 500 ms deadline
            // must end the blocked call long before (6 s of room for a loaded CI run, which took
            // just over 2 s once).
            let holder = Task {
                try await PostgresDatabaseAdmin.execute(
                    "DO $$ BEGIN LOCK TABLE call_records IN ACCESS EXCLUSIVE MODE; PERFORM pg_sleep(10); END $$", on: url, what: "hold a lock")
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let rows = try await store.client.query(
                    "SELECT count(*)::int8 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'call_records' AND l.mode = 'AccessExclusiveLock' AND l.granted")
                var held = 0
                for try await count in rows.decode(Int.self) { held = count }
                if held > 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let started = ContinuousClock.now
            do {
                _ = try await store.callCount()
                Issue.record("counted through an exclusive lock")
            } catch {
                #expect("\(error)".contains("no answer within"), "\(error)")
            }
            #expect(ContinuousClock.now - started < .seconds(6), "the deadline, not the lock's release, ended it")
            try await holder.value
            #expect(try await store.callCount() == 0, "the store answers again once the lock is gone")
            await store.close()
        }
    }
}
