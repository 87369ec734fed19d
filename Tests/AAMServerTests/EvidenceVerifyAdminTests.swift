import AAMCore
import AAMSecrets
import AAMStore
import Foundation
import Testing

@testable import AAMServer

/// The daemon side of evidence integrity: `GET /admin/audit/verify`, anchors in the log and on
/// the SIEM bus, the upgrade of an unkeyed trail, and verification across a master-key rotation.
@Suite("Evidence integrity: verify endpoint, anchors, upgrade, rotation", .serialized)
struct EvidenceVerifyAdminTests {
    static func temporaryDatabase() throws -> (url: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-evidence-gw-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return ("sqlite:" + directory.appendingPathComponent("aam.db").path, directory)
    }

    @Test("GET /admin/audit/verify reports both chains, never the key; a bad anchor is a 400, an anchor past the head is truncation")
    func verifyEndpoint() async throws {
        let (url, directory) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let harness = try await GatewayHarness.start(database: url)
        do {
            for index in 1...3 { try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"org\#(index)"}"#) }
            // The spool drains in the background: wait for the database to hold the head.
            let log = try #require(await harness.gateway.runtime.registry.audit)
            let head = try await log.currentHead()
            try await waitUntil { try await log.store.lastAudit()?.sequence == head.sequence }

            let reply = try await harness.admin(.GET, "/admin/audit/verify")
            #expect(reply.status == 200)
            let report = try JSONDecoder().decode(EvidenceReport.self, from: Data(reply.bytes))
            #expect(report.ok)
            #expect(report.audit.links == 3 && report.audit.head == head.hash)
            #expect(report.calls?.ok == true)
            let keyBytes = try #require(Data(base64Encoded: harness.masterKey))
            let derived = EvidenceChainKeys.derive(from: try MasterKey(base64: harness.masterKey)).key.withUnsafeBytes { Data($0) }
            for secret in [harness.masterKey, keyBytes.base64EncodedString(), derived.base64EncodedString(), derived.map { String(format: "%02x", $0) }.joined()] {
                #expect(!reply.text.contains(secret))
            }

            let bad = try await harness.admin(.GET, "/admin/audit/verify?anchor=nonsense")
            #expect(bad.status == 400)
            #expect(bad.text.contains("anchor"))

            let past = try await harness.admin(.GET, "/admin/audit/verify?anchor=audit:9:\(head.hash)")
            let truncated = try JSONDecoder().decode(EvidenceReport.self, from: Data(past.bytes))
            #expect(!truncated.ok)
            #expect(truncated.audit.problem?.kind == "truncated")
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test("the anchor service publishes the chain heads after N audit entries; the SIEM maps them to an evidence event")
    func anchorEvents() async throws {
        let harness = try await GatewayHarness.start { $0.anchors.everyEntries = 2 }
        do {
            let subscription = harness.gateway.runtime.bus.subscribe(bufferSize: 256)
            for index in 1...2 { try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"org\#(index)"}"#) }
            let anchors = try await firstAnchor(on: subscription)
            let log = try #require(await harness.gateway.runtime.registry.audit)
            let head = try await log.currentHead()
            #expect(anchors.first == EvidenceAnchor(chain: .audit, sequence: head.sequence, link: head.hash))
            let event = try #require(SIEMNormalizer().normalize(.evidenceAnchor(anchors), observedAt: Date()))
            #expect(event.kind == .evidence)
            #expect(event.json.contains(#""activity_detail":"evidence_anchor""#))
            #expect(event.json.contains(head.hash))
            #expect(EvidenceAnchor.anchors(inLog: "x " + EvidenceAnchor.logMessage(anchors)) == anchors)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test("an unkeyed trail and unchained records from before the upgrade are keyed at start: marker entry, adopted batch")
    func upgrade() async throws {
        let (url, directory) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The database as the previous version left it: SHA-256 links, records without a chain.
        let stores = try await StoreFactory.open(url)
        let legacy = AuditLog(store: stores.audit, sink: DirectEvidenceSink(audit: stores.audit), clock: SystemClock())
        for index in 1...3 { try await legacy.append([AuditDraft(actor: "admin:1a2b3c4d", action: "org.create", target: "org:o\(index)")]) }
        try await stores.calls.append((1...4).map { EvidenceTamperFixture.record($0) })
        await stores.close()

        let masterKey = MasterKey.generateBase64()
        let harness = try await GatewayHarness.start(database: url, masterKey: masterKey)
        await harness.stop()

        let report = try await AuditTrailReader.verify(database: url, masterKey: try MasterKey(base64: masterKey))
        #expect(report.ok, "\(report.lines)")
        #expect(report.audit.links == 4 && report.audit.unkeyed == 3)
        #expect(report.lines[0].hasPrefix("audit chain OK: 4 entries (3 unkeyed, from before the chain was keyed), last sequence 4"))
        #expect(report.calls?.links == 1 && report.calls?.records == 4)

        let reopened = try await StoreFactory.open(url)
        let marker = try await reopened.audit.lastAudit()
        await reopened.close()
        #expect(marker?.action == "audit.chain.keyed")
        #expect(marker?.before?.contains("OK: 3 entries") == true)
    }

    @Test("after a master-key rewrap, old and new links verify with the new master key alone (the old chain key is kept sealed)")
    func rotation() async throws {
        let (url, directory) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let harness = try await GatewayHarness.start(database: url)
        let newKey = MasterKey.generateBase64()
        do {
            try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"before"}"#)
            let keyFile = directory.appendingPathComponent("new.key")
            try Data(newKey.utf8).write(to: keyFile)
            try await harness.adminOK(.POST, "/admin/master-key/rewrap", json: #"{"newKeyFile":"\#(keyFile.path)"}"#)
            try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"after"}"#)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        let report = try await AuditTrailReader.verify(database: url, masterKey: try MasterKey(base64: newKey))
        #expect(report.ok, "\(report.lines)")
        let stores = try await StoreFactory.open(url)
        let entries = try await stores.audit.auditEntries(AdminAuditQuery(limit: 100))
        await stores.close()
        let keyIDs = Set(entries.compactMap { EvidenceMAC.parse($0.hash)?.keyID })
        #expect(keyIDs.count == 2, "links before and after the rotation name different chain keys")
        #expect(entries.last.flatMap { EvidenceMAC.parse($0.hash)?.keyID } == EvidenceChainKeys.derive(from: try MasterKey(base64: newKey)).id)
    }

    func firstAnchor(on subscription: EventBus.Subscription, timeout: Duration = .seconds(20)) async throws -> [EvidenceAnchor] {
        try await withThrowingTaskGroup(of: [EvidenceAnchor]?.self) { group in
            group.addTask {
                for await event in subscription.events {
                    if case .evidenceAnchor(let anchors) = event { return anchors }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let anchors = try await group.next() ?? nil else { throw HarnessError("no evidence anchor event") }
            return anchors
        }
    }

    /// Polls a store condition (the spool drain has no completion event to await).
    func waitUntil(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("condition not met in \(timeout)")
    }
}
