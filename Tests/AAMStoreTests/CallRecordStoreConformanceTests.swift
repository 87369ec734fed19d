import AAMCore
import AAMStore
import AAMStoreSQLite
import Foundation
import Testing

@Suite("CallRecordStore conformance")
struct CallRecordStoreConformanceTests {
    @Test("a new store has no calls", arguments: Backend.allCases)
    func empty(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            #expect(try await store.calls.callCount() == 0)
            #expect(try await store.calls.recentCalls(limit: 10).isEmpty)
            #expect(try await store.calls.call(requestId: "req_1") == nil)
            try await store.calls.append([])
            #expect(try await store.calls.callCount() == 0)
        }
    }

    @Test("call(requestId:) returns every field as appended, attempts and nil optionals included", arguments: Backend.allCases)
    func fieldRoundTrip(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let full = fullRecord(1)
            let minimal = minimalRecord("req_min")
            var streamed = fullRecord(2)
            streamed.outcome = .truncated
            streamed.ttftMs = nil
            streamed.attempts = [CallRecord.Attempt(deployment: "d", provider: "p", status: nil, errorClass: nil, latencyMs: 0)]
            try await store.calls.append([full, minimal, streamed])
            #expect(try await store.calls.call(requestId: "req_1") == full)
            #expect(try await store.calls.call(requestId: "req_min") == minimal)
            #expect(try await store.calls.call(requestId: "req_2") == streamed)
            #expect(try await store.calls.call(requestId: "req_unknown") == nil)
            #expect(try await store.calls.recentCalls(limit: 3) == [streamed, minimal, full])
        }
    }

    @Test(
        "every outcome round-trips",
        arguments: Backend.allCases,
        [CallRecord.Outcome.success, .rejected, .upstreamError, .truncated, .cancelled])
    func outcomes(backend: Backend, outcome: CallRecord.Outcome) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            var record = minimalRecord("req_o")
            record.outcome = outcome
            try await store.calls.append([record])
            #expect(try await store.calls.call(requestId: "req_o")?.outcome == outcome)
        }
    }

    @Test("calls(since:) returns the calls started at or after a time, oldest first", arguments: Backend.allCases)
    func callsSince(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let base = Date(timeIntervalSince1970: 1_763_900_000)
            let records = [
                fullRecord(0, startedAt: base.addingTimeInterval(30)), fullRecord(1, startedAt: base.addingTimeInterval(-10)),
                fullRecord(2, startedAt: base), fullRecord(3, startedAt: base.addingTimeInterval(5)),
            ]
            try await store.calls.append(records)
            #expect(try await store.calls.calls(since: base).map(\.requestId) == ["req_2", "req_3", "req_0"])
            #expect(try await store.calls.calls(since: base.addingTimeInterval(31)).isEmpty)
            #expect(try await store.calls.calls(since: .distantPast).count == 4)
        }
    }

    @Test("start times with arbitrary fractions round-trip", arguments: Backend.allCases)
    func startTimes(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let dates = [
                Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_763_900_000.123456),
                Date(timeIntervalSinceReferenceDate: 785_592_000.987_654_3), Date(timeIntervalSince1970: 2_000_000_000.000_001),
            ]
            try await store.calls.append(dates.enumerated().map { fullRecord($0.offset, startedAt: $0.element) })
            for (index, date) in dates.enumerated() {
                let stored = try #require(try await store.calls.call(requestId: "req_\(index)")).startedAt
                #expect(abs(stored.timeIntervalSince(date)) < 0.000_001, "\(date) came back as \(stored)")
            }
        }
    }

    @Test("append is idempotent by requestId: the first version is kept", arguments: Backend.allCases)
    func idempotent(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let original = fullRecord(1)
            var altered = original
            altered.status = 500
            altered.outcome = .upstreamError
            try await store.calls.append([original])
            try await store.calls.append([original])
            try await store.calls.append([altered, fullRecord(2)])
            #expect(try await store.calls.callCount() == 2)
            #expect(try await store.calls.call(requestId: "req_1") == original)
            #expect(try await store.calls.recentCalls(limit: 10).map(\.requestId) == ["req_2", "req_1"])
        }
    }

    @Test("a duplicate inside one batch is stored once (the first)", arguments: Backend.allCases)
    func duplicateInBatch(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            var second = fullRecord(7)
            second.status = 418
            try await store.calls.append([fullRecord(7), second, fullRecord(8)])
            #expect(try await store.calls.callCount() == 2)
            #expect(try await store.calls.call(requestId: "req_7")?.status == 200)
        }
    }

    @Test("recentCalls returns the newest first and honours the limit", arguments: Backend.allCases)
    func recentOrderAndLimit(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            try await store.calls.append((0..<5).map { fullRecord($0) })
            try await store.calls.append([fullRecord(5)])
            try await store.calls.append((6..<10).map { fullRecord($0) })
            let ids = { (limit: Int) in try await store.calls.recentCalls(limit: limit).map(\.requestId) }
            #expect(try await ids(3) == ["req_9", "req_8", "req_7"])
            #expect(try await ids(1) == ["req_9"])
            #expect(try await ids(10) == (0..<10).reversed().map { "req_\($0)" })
            #expect(try await ids(1_000) == (0..<10).reversed().map { "req_\($0)" })
            #expect(try await ids(0) == [])
            #expect(try await ids(-1) == [], "a negative limit is treated as zero, never a crash or 'all'")
            #expect(try await store.calls.recentCalls(limit: 10) == (0..<10).reversed().map { fullRecord($0) })
        }
    }

    @Test("a batch of 1,000 records is appended in one call", arguments: Backend.allCases)
    func largeBatch(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let records = (0..<1_000).map { fullRecord($0) }
            try await store.calls.append(records)
            #expect(try await store.calls.callCount() == 1_000)
            #expect(try await store.calls.recentCalls(limit: 1_000) == Array(records.reversed()))
            #expect(try await store.calls.call(requestId: "req_0") == records[0])
            #expect(try await store.calls.call(requestId: "req_399") == records[399])
            #expect(try await store.calls.call(requestId: "req_400") == records[400])
            #expect(try await store.calls.call(requestId: "req_999") == records[999])
            // Re-appending the whole batch with one new record adds only the new one.
            try await store.calls.append(records + [fullRecord(1_000)])
            #expect(try await store.calls.callCount() == 1_001)
            #expect(try await store.calls.recentCalls(limit: 1).first == fullRecord(1_000))
        }
    }

    @Test("concurrent appends are all counted", arguments: Backend.allCases)
    func concurrentAppends(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let calls = store.calls
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for batch in 0..<10 {
                            try await calls.append((0..<10).map { fullRecord(worker * 1_000 + batch * 10 + $0) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await calls.callCount() == 400)
            #expect(Set(try await calls.recentCalls(limit: 1_000).map(\.requestId)).count == 400)
        }
    }
}
