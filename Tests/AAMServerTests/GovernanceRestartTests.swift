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
}
