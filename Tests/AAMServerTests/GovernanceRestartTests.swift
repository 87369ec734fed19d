import AAMCore
import AAMSecrets
import AAMStore
import Foundation
import Testing

@testable import AAMServer

/// Spend and prices survive restarts (SQLite), and restarting never counts a call twice.
@Suite("Governance across restarts", .serialized)
struct GovernanceRestartTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-test-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Settled tokens of the key's first budget in the current window.
    func settledTokens(_ harness: GatewayHarness, keyId: String) throws -> Int64 {
        let runtime = harness.gateway.runtime
        let key = try #require(runtime.snapshots.snapshot.state.keys[keyId])
        let budget = try #require(key.budgets?.first)
        return runtime.governance.usage(of: budget, on: GovernanceScope(.key, keyId), at: runtime.clock.now()).settled.tokens
    }

    @Test func spendBeforeARestartStillCountsAfterItAndTwoRestartsDoNotDoubleCount() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let master = MasterKey.generateBase64()
        let body = GovernanceEnforcementTests.body
        let estimate = GovernanceEnforcementTests.estimate
        var key = (id: "", secret: "")
        var spent: Int64 = 0
        var lastUsed = ""

        let first = try await GatewayHarness.start(database: database, masterKey: master)
        do {
            try await GovernanceEnforcementTests.addGreedyVendor(first)
            let priced = try await first.admin(
                .PUT, "/admin/pricing",
                json: #"[{"provider":"sim","model":"sim-model","inputPerMillion":"1.00","outputPerMillion":"2.00","version":"v-test"}]"#)
            #expect(priced.status == 200, "\(priced.text)")
            // Room for two calls: each settles just under its estimate, so a third never fits.
            key = try await first.issueKey(extra: #""budgets":[{"period":"daily","tokens":\#(2 * estimate)}]"#)
            for _ in 0..<2 {
                let reply = try await first.call("/v1/chat/completions", key: key.secret, json: body)
                #expect(reply.status == 200, "\(reply.text)")
            }
            let third = try await first.call("/v1/chat/completions", key: key.secret, json: body)
            #expect(third.status == 429)
            spent = try settledTokens(first, keyId: key.id)
            #expect(spent > Int64(estimate))
            let view = try await first.adminOK(.GET, "/admin/keys/\(key.id)")
            lastUsed = try #require(view["lastUsedAt"] as? String, "the key's last use is shown")
            let list = try await first.admin(.GET, "/admin/keys")
            #expect(list.text.contains(#""lastUsedAt":"\#(lastUsed)""#), "\(list.text)")
        }
        await first.stop()

        for restart in 1...2 {
            let next = try await GatewayHarness.start(database: database, masterKey: master)
            do {
                #expect(try settledTokens(next, keyId: key.id) == spent, "restart \(restart) restores the spend exactly once")
                if restart == 1 {  // before this run's own call touches the key
                    let view = try await next.adminOK(.GET, "/admin/keys/\(key.id)")
                    #expect(view["lastUsedAt"] as? String == lastUsed, "the last-used time survives a restart")
                }
                let reply = try await next.call("/v1/chat/completions", key: key.secret, json: body)
                #expect(reply.status == 429, "restart \(restart): the nearly used budget still rejects: \(reply.text)")
                #expect(try reply.errorCode() == "budget_exceeded")
                let prices = try await next.admin(.GET, "/admin/pricing")
                #expect(prices.text.contains("v-test"), "prices survive restart \(restart): \(prices.text)")
            }
            await next.stop()
        }
    }

    @Test func callsSettledAfterAStaleSnapshotAreReplayedFromTheCallRecordsOnce() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let master = MasterKey.generateBase64()
        let body = GovernanceEnforcementTests.body
        let estimate = GovernanceEnforcementTests.estimate
        let before = Date()
        var key = (id: "", secret: "")
        var spent: Int64 = 0

        let first = try await GatewayHarness.start(database: database, masterKey: master)
        do {
            try await GovernanceEnforcementTests.addGreedyVendor(first)
            key = try await first.issueKey(extra: #""budgets":[{"period":"daily","tokens":\#(2 * estimate)}]"#)
            for _ in 0..<2 {
                let reply = try await first.call("/v1/chat/completions", key: key.secret, json: body)
                #expect(reply.status == 200, "\(reply.text)")
            }
            spent = try settledTokens(first, keyId: key.id)
        }
        await first.stop()

        // As after a crash: the persisted snapshot predates both calls and holds none of them.
        let stores = try await StoreFactory.open(database)
        try await stores.config.setServerSecret(
            named: GovernancePersistence.snapshotName, value: try JSONEncoder().encode(GovernanceState().snapshot(at: before)))
        await stores.close()

        for restart in 1...2 {
            let next = try await GatewayHarness.start(database: database, masterKey: master)
            do {
                #expect(try settledTokens(next, keyId: key.id) == spent, "restart \(restart) replays each call exactly once")
                let reply = try await next.call("/v1/chat/completions", key: key.secret, json: body)
                #expect(reply.status == 429, "restart \(restart): \(reply.text)")
            }
            await next.stop()
        }
    }

    /// The ledger remembers settled ids for a couple of minutes only (not an hour: memory and
    /// snapshot size per call); a call settled longer ago than that before the snapshot is known
    /// to be in it by its time, so a restart does not count it again though its id is forgotten.
    @Test func aCallSettledLongBeforeTheSnapshotIsNotReplayedOnceItsIdIsForgotten() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let master = MasterKey.generateBase64()
        let clock = ManualClock(Date())
        var key = (id: "", secret: "")
        var spent: Int64 = 0
        let first = try await GatewayHarness.start(database: database, masterKey: master, clock: clock)
        do {
            try await GovernanceEnforcementTests.addGreedyVendor(first)
            key = try await first.issueKey(extra: #""budgets":[{"period":"monthly","tokens":1000000}]"#)
            let reply = try await first.call("/v1/chat/completions", key: key.secret, json: GovernanceEnforcementTests.body)
            #expect(reply.status == 200, "\(reply.text)")
            spent = try settledTokens(first, keyId: key.id)
            #expect(spent > 0)
            try await first.gateway.writer.drainNow()
            // Ten minutes on, the id is pruned; the snapshot taken at the stop no longer has it.
            clock.advance(by: 600)
            let runtime = first.gateway.runtime
            GovernanceGate.prune(runtime.governance, state: runtime.snapshots.snapshot.state, at: clock.now())
            #expect(runtime.governance.rememberedSettledCount == 0)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        let next = try await GatewayHarness.start(database: database, masterKey: master, clock: clock)
        do {
            #expect(try settledTokens(next, keyId: key.id) == spent, "the call is counted once, from the snapshot")
        } catch {
            await next.stop()
            throw error
        }
        await next.stop()
    }
}
