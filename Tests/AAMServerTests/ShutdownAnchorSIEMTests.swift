import AAMCore
import AAMSecrets
import AAMTesting
import Foundation
import Testing

@testable import AAMServer

/// The evidence anchor written at shutdown must reach the SIEM, not only the log: the SIEM
/// exporter used to stop before the anchor service, so the final heads (the ones that show a
/// later truncation of the database) never left the machine. The exporter now stops after the
/// anchors, so the shutdown anchor lands in the sink's durable outbox and is delivered, after
/// the next start at worst (the receiver here is down during the first run).
@Suite("Shutdown anchor reaches the SIEM", .serialized)
struct ShutdownAnchorSIEMTests {
    @Test("the anchor written at shutdown is in the SIEM outbox and delivered after a restart")
    func shutdownAnchorReachesTheSIEM() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-anchor-siem-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = "sqlite:" + directory + "/aam.db"
        let receiver = try await SyslogReceiver.start()
        await receiver.stop()
        let master = MasterKey.generateBase64()
        func start() async throws -> GatewayHarness {
            try await GatewayHarness.start(database: database, masterKey: master) { options in
                try? options.siem.setSyslogTarget("127.0.0.1:\(receiver.port)")
                SIEMExportTests.fastSIEM(&options.siem)
                // Only the shutdown anchor: no interval or entry-count anchor in this test's time.
                options.anchors.intervalSeconds = 3600
                options.anchors.everyEntries = 1000
            }
        }

        let first = try await start()
        let head: (sequence: Int64, hash: String)
        do {
            try await first.adminOK(.POST, "/admin/orgs", json: #"{"id":"anchor-org"}"#)
            let log = try #require(await first.gateway.runtime.registry.audit)
            head = try await log.currentHead()
            #expect(head.sequence >= 1)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        #expect(receiver.records.isEmpty)

        try await receiver.restart()
        let second = try await start()
        do {
            // The first run's shutdown anchor, naming its final audit head, arrives from the outbox.
            let wanted = head.hash  // a keyed link: unique to this head
            let deadline = ContinuousClock.now + .seconds(30)
            while !receiver.records.contains(where: { $0.raw.contains("evidence_anchor") && $0.raw.contains(wanted) }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let anchors = receiver.records.filter { $0.raw.contains("evidence_anchor") }
            #expect(anchors.contains { $0.raw.contains(wanted) }, "the shutdown anchor reached the SIEM: \(receiver.records.map(\.raw))")
        } catch {
            await second.stop()
            await receiver.stop()
            throw error
        }
        await second.stop()
        await receiver.stop()
    }
}
