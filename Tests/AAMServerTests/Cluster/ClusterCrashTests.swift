import AAMCore
import AAMStorePostgres
import AAMTesting
import Foundation
import Testing

/// Faults in a cluster (issue 14 item 4), on real `aamd` processes sharing one Postgres: a
/// replica killed with SIGKILL under load, and the database restarted under load. The promises
/// checked: the other replicas keep answering (200, or 429 budget_exceeded; never a 5xx), the
/// evidence of every call a client received whole reaches Postgres exactly once (the killed
/// replica's from its spool once it is started again), and the settled spend of the whole
/// cluster never passes the budget (a killed replica's slice is charged in full, not lost).
@Suite("Cluster: faults on real replicas", .serialized)
struct ClusterCrashTests {
    /// Calls of about 505 settled tokens (`ClusterBudgetTests.body`): the budget binds on real
    /// spend after about 39 of them.
    static let budgetTokens = 20_000

    @Test("kill -9 of one of three replicas under load: the others serve, its restart drains its spool, every 200 is recorded once, spend stays within the budget",
          .enabled(if: ClusterFeedTests.enabled))
    func killDashNineOfOneReplicaUnderLoad() async throws {
        guard let server = PostgresDaemonTests.serverURL else {
            Issue.record("AAM_TEST_POSTGRES_URL is not set, and CI requires the Postgres tests: run them through scripts/with-postgres")
            return
        }
        let scratch = try await PostgresDatabaseAdmin.createScratchDatabase(on: server, prefix: "aam_ckill")
        let rig = try ClusterProcessRig(database: scratch.unmaskedString)
        let fake = try await FakeUpstream.start(apiKey: BadInputUpstreamTests.upstreamKey)
        do {
            try await killScenario(rig: rig, fake: fake, database: scratch.unmaskedString)
        } catch {
            rig.recordOutputs()
            await rig.stopAll()
            await fake.stop()
            try? await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
            throw error
        }
        let exits = await rig.stopAll()
        #expect(exits.values.allSatisfy { $0 == 0 }, "every replica stopped cleanly on SIGTERM: \(exits)")
        await fake.stop()
        try await PostgresDatabaseAdmin.dropDatabase(scratch, via: server)
    }

    private func killScenario(rig: ClusterProcessRig, fake: FakeUpstream, database: String) async throws {
        // A slow vendor keeps calls in flight when the replica dies.
        await fake.setDefaultBehaviour(.delay(ms: 200))
        var replicas = [try await rig.start("crash-0"), try await rig.start("crash-1"), try await rig.start("crash-2")]
        let key = try await ClusterProcessSetup.budget(tokens: Self.budgetTokens, fake: fake, on: replicas[0], all: replicas)
        let victim = replicas[1]
        let survivors: Set<String> = [replicas[0].id, replicas[2].id]

        // 75 calls over the three replicas, 9 at a time; the victim dies once calls are being
        // served and one of its own is in flight (calls meant for it after that are skipped).
        let load = ClusterCallLoad()
        let targets = replicas
        async let running = load.run(0..<75, on: targets, key: key.secret, concurrency: 9)
        try await crashPoll("calls served, one in flight on \(victim.id)", seconds: 60) { load.served >= 6 && load.inFlight(on: victim.id) >= 1 }
        let killedAt = ContinuousClock.now
        load.markDown(victim.id)
        victim.kill9()
        let outcomes = await running
        _ = await victim.runner.waitForExit()
        #expect(victim.runner.process.terminationReason == .uncaughtSignal, "the victim died of SIGKILL")

        for outcome in outcomes {
            let what = "call \(outcome.index) on \(outcome.replica): status \(outcome.status.map(String.init) ?? "-") code \(outcome.code ?? "-") complete \(outcome.complete) error \(outcome.error ?? "-")"
            if survivors.contains(outcome.replica) {
                #expect(outcome.served || outcome.refusedForBudget, "\(what)")
            } else {
                // The victim answered whole or refused for budget, or its connection broke.
                #expect(outcome.status == nil || outcome.status == 200 || outcome.refusedForBudget, "\(what)")
                if outcome.status == nil || (outcome.status == 200 && !outcome.complete) {
                    #expect(outcome.finished >= killedAt, "\(what): broke before the kill")
                }
            }
            if outcome.served { #expect(outcome.requestId != nil, "\(what): no x-request-id") }
        }
        let afterKill = outcomes.filter { survivors.contains($0.replica) && $0.started > killedAt }
        let servedAfterKill = afterKill.filter(\.served).count
        let victimServed = outcomes.filter { $0.replica == victim.id && $0.served }.compactMap(\.requestId)
        let broken = outcomes.filter { $0.replica == victim.id && !$0.served && !$0.refusedForBudget }.count
        #expect(afterKill.count >= 10, "the load went on after the kill: \(afterKill.count) calls on the survivors")
        #expect(servedAfterKill >= 1, "the survivors kept serving within the budget after the kill: \(afterKill.map { $0.status ?? 0 })")

        // What of the victim's served calls Postgres lacks now waits in its spool.
        let before = try await PostgresStore.open(url: database)
        var waiting = 0
        for id in victimServed where try await before.call(requestId: id) == nil { waiting += 1 }
        await before.close()

        // Restarted on the same replica id and spool: the spool is replayed before it listens.
        let restartStarted = ContinuousClock.now
        let restarted = try await rig.start(victim.id)
        let restartTook = ContinuousClock.now - restartStarted
        replicas[1] = restarted
        for replica in replicas {
            try await crashPoll("the spool of \(replica.id) drained", seconds: 60) { try await replica.spoolBacklog() == 0 }
        }
        // The restarted replica serves again (or refuses for the budget, spent by now).
        let again = try await restarted.send(.POST, "/v1/chat/completions", json: ClusterBudgetTests.body(1000, stream: false), bearer: key.secret)
        #expect(again.status == 200 || (again.status == 429 && again.errorCode == "budget_exceeded"), "\(again.status) \(again.text)")
        try await crashPoll("the restarted replica's own call is drained") { try await restarted.spoolBacklog() == 0 }

        // Every call a client received whole is in Postgres exactly once, whichever replica served it.
        var served = Set(outcomes.filter(\.served).compactMap(\.requestId))
        if again.status == 200, let id = again.headers.first(name: "x-request-id") { served.insert(id) }
        let store = try await PostgresStore.open(url: database)
        do {
            try await CrashSafetyRig.expectExactlyOnce(served, in: store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()

        // The settled spend of the whole cluster stays within the budget, and the budget bound.
        let usage = try await replicas[2].adminOK(.GET, "/admin/usage?groupBy=org")
        let row = try #require((usage["groups"] as? [[String: Any]])?.first { $0["group"] as? String == "acme" }, "\(usage)")
        let tokens = (row["promptTokens"] as? Int ?? 0) + (row["completionTokens"] as? Int ?? 0)
        let refused = outcomes.filter(\.refusedForBudget).count
        print(
            "cluster kill -9: \(outcomes.count) calls, \(served.count) served (\(servedAfterKill) by the survivors after the kill), \(refused) refused for budget, "
                + "\(broken) broken on the victim; \(waiting) of its \(victimServed.count) served calls waited in its spool; restart took \(Int(restartTook.milliseconds)) ms; "
                + "settled \(tokens) of \(Self.budgetTokens) tokens")
        #expect(tokens <= Self.budgetTokens, "the cluster's settled tokens passed the budget: \(tokens)")
        #expect(refused >= 1, "the budget bound: no call was refused for it")
        #expect(served.count >= 10, "most of the budget was usable: \(served.count) calls of about 505 tokens")
    }

    /// The regression test of a hang found here (2 of 4 runs): after the restart one replica's
    /// evidence drain never resumed, because an await on a cluster-lock connection (connect or
    /// query) had no deadline and the call-chain gate queued every later write behind it.
    @Test("Postgres restarted under load: replicas serve from their snapshot and slices, the config feed resumes, every 200 is recorded once",
          .enabled(if: ClusterFeedTests.enabled))
    func postgresRestartedUnderLoad() async throws {
        guard try CrashSafetyRig.postgresURL() != nil else { return }
        // A server of this test's own: stopping the shared one would fail every other Postgres test.
        let postgres = try await PrivatePostgres.start()
        defer { postgres.close() }
        let rig = try ClusterProcessRig(database: postgres.url)
        let fake = try await FakeUpstream.start(apiKey: BadInputUpstreamTests.upstreamKey)
        var down = false
        do {
            try await restartScenario(rig: rig, fake: fake, postgres: postgres, down: &down)
        } catch {
            if down { try? await postgres.start() }
            rig.recordOutputs()
            await rig.stopAll()
            await fake.stop()
            throw error
        }
        let exits = await rig.stopAll()
        #expect(exits.count == 2 && exits.values.allSatisfy { $0 == 0 }, "both replicas ran to the end and stopped cleanly: \(exits)")
        await fake.stop()
    }

    /// `down`: whether the private server is stopped (a failure starts it again before cleanup).
    private func restartScenario(rig: ClusterProcessRig, fake: FakeUpstream, postgres: PrivatePostgres, down: inout Bool) async throws {
        await fake.setDefaultBehaviour(.delay(ms: 100))
        let a = try await rig.start("pg-a")
        let b = try await rig.start("pg-b")
        let budget = 200_000
        let key = try await ClusterProcessSetup.budget(tokens: budget, fake: fake, on: a, all: [a, b])
        let load = ClusterCallLoad()
        func expectAnswered(_ outcomes: [ClusterCallLoad.Outcome], _ phase: String) {
            for outcome in outcomes {
                #expect(
                    outcome.served || outcome.refusedForBudget,
                    "\(phase): call \(outcome.index) on \(outcome.replica): status \(outcome.status.map(String.init) ?? "-") code \(outcome.code ?? "-") error \(outcome.error ?? "-")")
            }
        }

        let up = await load.run(0..<20, on: [a, b], key: key.secret, concurrency: 6)
        expectAnswered(up, "Postgres up")
        #expect(up.filter(\.served).count == 20, "a budget of \(budget) tokens holds 20 calls")

        try await postgres.stop()
        down = true
        // Served from the snapshot, within the slices held; the evidence waits in the spools.
        let outage = await load.run(20..<50, on: [a, b], key: key.secret, concurrency: 6)
        expectAnswered(outage, "Postgres down")
        let servedInOutage = outage.filter(\.served).count
        #expect(servedInOutage >= 1, "calls were served within the slices held while Postgres was down")
        #expect(a.isRunning && b.isRunning, "both replicas are alive with Postgres down")
        let backlog = try await a.spoolBacklog() + b.spoolBacklog()
        #expect(backlog >= servedInOutage, "the outage's call records wait in the spools: \(backlog)")

        try await postgres.start()
        down = false
        // The config feed resumes: a key issued on A once it can write again serves on B.
        var issued: (id: String, secret: String)?
        try await crashPoll("A takes an admin change once Postgres is back", seconds: 60) {
            let reply = try await a.admin(.POST, "/admin/keys", json: #"{"orgId":"acme"}"#)
            guard reply.status == 201, let id = reply.json?["id"] as? String, let secret = reply.json?["key"] as? String else { return false }
            issued = (id, secret)
            return true
        }
        let fresh = try #require(issued)
        let propagationStarted = ContinuousClock.now
        try await ClusterProcessSetup.waitForKey(fresh.id, on: b, seconds: 15)
        let propagation = ContinuousClock.now - propagationStarted
        let onB = try await b.send(.POST, "/v1/chat/completions", json: ClusterBudgetTests.body(500, stream: false), bearer: fresh.secret)
        #expect(onB.status == 200, "the key issued on A after the restart serves on B: \(onB.status) \(onB.text)")

        let after = await load.run(50..<70, on: [a, b], key: key.secret, concurrency: 6)
        expectAnswered(after, "Postgres back")
        #expect(after.filter(\.served).count == 20, "with Postgres back, the budget's slices are renewed again")

        for replica in [a, b] {
            try await crashPoll("the spool of \(replica.id) drained", seconds: 90) { try await replica.spoolBacklog() == 0 }
        }
        var served = Set((up + outage + after).filter(\.served).compactMap(\.requestId))
        if onB.status == 200, let id = onB.headers.first(name: "x-request-id") { served.insert(id) }
        let store = try await PostgresStore.open(url: postgres.url)
        do {
            try await CrashSafetyRig.expectExactlyOnce(served, in: store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        let usage = try await b.adminOK(.GET, "/admin/usage?groupBy=org")
        let row = try #require((usage["groups"] as? [[String: Any]])?.first { $0["group"] as? String == "acme" }, "\(usage)")
        let tokens = (row["promptTokens"] as? Int ?? 0) + (row["completionTokens"] as? Int ?? 0)
        print(
            "cluster Postgres restart: \(served.count) calls served (\(servedInOutage) of 30 during the outage, \(outage.filter(\.refusedForBudget).count) refused for budget), "
                + "\(backlog) records spooled during it; a key issued after the restart reached the other replica in \(Int(propagation.milliseconds)) ms; settled \(tokens) tokens")
        #expect(tokens <= budget)
        #expect(a.isRunning && b.isRunning, "no replica crashed")
    }
}
