import AAMCore
@testable import AAMServer
import Foundation
import Synchronization
import Testing

/// Session bookkeeping of the MCP gateway with an injected clock: idle expiry, least recently
/// used eviction at the cap (never "drop everyone") and the broker's upstream sessions shared
/// by concurrent first requests. The sealed client sessions: `MCPSessionSealingTests`.
@Suite struct MCPSessionsTests {
    @Test func idleEntriesExpireAndUseKeepsThemAlive() {
        var map = IdleLRUMap<String, Int>(capacity: 10, idle: 60)
        let t0 = Date(timeIntervalSince1970: 1_000)
        map.set("a", 1, now: t0)
        map.set("b", 2, now: t0)
        #expect(map.use("a", now: t0.addingTimeInterval(50)) == 1)
        // b idle 60 s: gone; a used at +50: alive until +110.
        #expect(map.use("b", now: t0.addingTimeInterval(60)) == nil)
        #expect(map.count == 1)
        #expect(map.peek("a", now: t0.addingTimeInterval(109)) == 1)
        #expect(map.peek("a", now: t0.addingTimeInterval(110)) == nil)
        let expired = map.expire(now: t0.addingTimeInterval(110))
        #expect(expired.map(\.0) == ["a"])
        #expect(map.count == 0)
    }

    @Test func theLeastRecentlyUsedIsEvictedAtTheCapacity() {
        var map = IdleLRUMap<String, Int>(capacity: 3, idle: 3_600)
        let t0 = Date(timeIntervalSince1970: 1_000)
        for (i, key) in ["a", "b", "c"].enumerated() { map.set(key, i, now: t0.addingTimeInterval(Double(i))) }
        _ = map.use("a", now: t0.addingTimeInterval(10))
        let evicted = map.set("d", 3, now: t0.addingTimeInterval(11))
        #expect(evicted.map(\.0) == ["b"], "b was the least recently used")
        #expect(map.count == 3)
        #expect(map.peek("a", now: t0.addingTimeInterval(12)) == 0)
        #expect(map.peek("c", now: t0.addingTimeInterval(12)) == 2)
        // Replacing an entry evicts nothing.
        #expect(map.set("c", 9, now: t0.addingTimeInterval(13)).isEmpty)
        #expect(map.remove("c") == 9)
        #expect(map.remove("c") == nil)
        map.set("e", 4, now: t0.addingTimeInterval(14))
        #expect(map.set("f", 5, now: t0.addingTimeInterval(15)).map(\.0) == ["a"])
    }

    /// Random churn against a naive model (distinct times, so the LRU victim is unambiguous).
    @Test func randomChurnMatchesANaiveModel() {
        var map = IdleLRUMap<Int, Int>(capacity: 50, idle: 100)
        var model: [Int: (value: Int, used: Double)] = [:]
        var now = 0.0
        var rng = SystemRandomNumberGenerator()
        for step in 0..<5_000 {
            now += Int.random(in: 0..<50, using: &rng) == 0 ? 60 : 1
            let key = Int.random(in: 0..<80, using: &rng)
            let date = Date(timeIntervalSince1970: now)
            model = model.filter { now - $0.value.used < 100 }
            if Bool.random(using: &rng) {
                if model[key] == nil, model.count >= 50, let victim = model.min(by: { $0.value.used < $1.value.used })?.key {
                    model.removeValue(forKey: victim)
                }
                map.set(key, step, now: date)
                model[key] = (step, now)
            } else {
                let got = map.use(key, now: date)
                #expect(got == model[key]?.value, "step \(step) key \(key)")
                if got != nil { model[key]?.used = now }
            }
            #expect(map.count == model.count, "step \(step)")
        }
    }

    @Test func concurrentFirstRequestsShareOneUpstreamHandshakeAndAFailureIsForgotten() async throws {
        let sessions = MCPUpstreamSessions(clock: ManualClock())
        let key = MCPUpstreamSessions.Key(server: "crm", url: "http://x/mcp", credential: "fp", spiffeId: "spiffe://prod/a")
        let handshakes = MCPTestCounter()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let handshake: @Sendable () async -> Result<String?, MCPError> = {
            let n = handshakes.next()
            for await _ in gate { break }
            return .success("up-\(n)")
        }
        async let first = sessions.lease(key, handshake: handshake)
        async let second = sessions.lease(key, handshake: handshake)
        // Both wait on the same stored task; let it finish.
        while handshakes.value == 0 { await Task.yield() }
        open.yield()
        open.finish()
        let (a, b) = try await (first, second)
        #expect(a.id == "up-1" && b.id == "up-1")
        #expect(handshakes.value == 1)

        // Invalidated (the upstream answered 404): the next lease initializes anew.
        sessions.invalidate(key, a)
        let again = try await sessions.lease(key) { .success("up-fresh") }
        #expect(again.id == "up-fresh")
        // A stale lease cannot drop the fresh session.
        sessions.invalidate(key, a)
        #expect(try await sessions.lease(key) { .success("unused") }.id == "up-fresh")

        let other = MCPUpstreamSessions.Key(server: "crm", url: "http://x/mcp", credential: "fp", spiffeId: "spiffe://prod/b")
        await #expect(throws: MCPError.self) { try await sessions.lease(other) { .failure(MCPError(status: 502, code: -32603, message: "refused")) } }
        #expect(try await sessions.lease(other) { .success("up-b") }.id == "up-b", "a failed handshake is not kept")
    }
}

/// A thread-safe counter for the tests above.
final class MCPTestCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func next() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
