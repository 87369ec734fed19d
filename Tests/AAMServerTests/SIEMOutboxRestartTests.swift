import AAMCore
import AAMSecrets
import AAMServer
import AAMTesting
import Foundation
import Testing

/// Issue 13 item 11 (SIEM half): with an evidence spool, each sink's undelivered events live in
/// a durable outbox whose checkpoint is the sink's delivery cursor, so events the receiver did
/// not get before the daemon stopped are delivered after the next start (at least once).
@Suite("SIEM outbox across restarts", .serialized)
struct SIEMOutboxRestartTests {
    @Test("events undelivered at shutdown (receiver down) reach the receiver after a restart")
    func undeliveredEventsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-siem-outbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = "sqlite:" + directory + "/aam.db"
        // A receiver whose port is known, down while the first daemon runs.
        let receiver = try await SyslogReceiver.start()
        await receiver.stop()
        let master = MasterKey.generateBase64()
        func start() async throws -> GatewayHarness {
            try await GatewayHarness.start(database: database, masterKey: master) { options in
                try? options.siem.setSyslogTarget("127.0.0.1:\(receiver.port)")
                SIEMExportTests.fastSIEM(&options.siem)
            }
        }

        let first = try await start()
        do {
            try await first.adminOK(.POST, "/admin/orgs", json: #"{"id":"outbox-org"}"#)
            let sink = try await SIEMExportTests.waitForSink(first, "syslog") { ($0["failures"] as? Int ?? 0) >= 1 && ($0["backlog"] as? Int ?? 0) >= 1 }
            #expect((sink["delivered"] as? Int) == 0)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        #expect(receiver.records.isEmpty)
        let outbox = directory + "/spool/siem-syslog"
        #expect(FileManager.default.fileExists(atPath: outbox), "the sink's outbox is under the spool directory")

        try await receiver.restart()
        let second = try await start()
        do {
            _ = try await receiver.waitForRecords(count: 1)
            let deadline = ContinuousClock.now + .seconds(20)
            while !receiver.records.contains(where: { $0.raw.contains("outbox-org") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let records = receiver.records
            let created = records.filter { $0.msgID == "admin" && $0.raw.contains("outbox-org") }
            #expect(!created.isEmpty, "the first run's admin event arrived after the restart: \(records.map(\.raw))")
            _ = try await SIEMExportTests.waitForSink(second, "syslog") { ($0["backlog"] as? Int) == 0 }
        } catch {
            await second.stop()
            await receiver.stop()
            throw error
        }
        await second.stop()
        await receiver.stop()

        // Delivered events are not sent again by a third start (the cursor moved past them):
        // a new event arrives, and the old one did not come back before it (delivery is in order).
        let delivered = receiver.records.filter { $0.raw.contains("outbox-org") }.count
        let seen = receiver.records.count
        try await receiver.restart()
        let third = try await start()
        do {
            try await third.adminOK(.POST, "/admin/orgs", json: #"{"id":"after-restart-org"}"#)
            _ = try await receiver.waitForRecords(count: seen + 1)
            let deadline = ContinuousClock.now + .seconds(20)
            while !receiver.records.contains(where: { $0.raw.contains("after-restart-org") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(receiver.records.contains { $0.raw.contains("after-restart-org") })
            #expect(receiver.records.filter { $0.raw.contains("outbox-org") }.count == delivered, "not delivered again")
        } catch {
            await third.stop()
            await receiver.stop()
            throw error
        }
        await third.stop()
        await receiver.stop()
    }
}
