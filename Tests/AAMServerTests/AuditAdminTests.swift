import AAMCore
import AAMSecrets
import Foundation
import NIOHTTP1
import Testing

@testable import AAMServer

/// The audit trail of a running gateway, read back through `GET /admin/audit`.
extension GatewayHarness {
    func auditEntries(_ query: String = "limit=1000") async throws -> (entries: [[String: Any]], next: Any?, text: String) {
        let reply = try await admin(.GET, "/admin/audit?" + query)
        #expect(reply.status == 200, "\(reply.text)")
        let json = try reply.json()
        return (try #require(json["entries"] as? [[String: Any]]), json["next"], reply.text)
    }

    /// Every stored entry, straight from the store.
    func storedAudit() async throws -> [AdminAuditEntry] {
        let log = try #require(await gateway.runtime.registry.audit)
        return try await log.store.auditEntries(AdminAuditQuery(limit: 100_000))
    }

    /// The admin token's actor: `admin:` + the first 8 hex digits of its SHA-256.
    static var adminActor: String { "admin:" + AuditHasher.sha256(Array(adminToken.utf8)).prefix(8) }
}

@Suite("Admin audit: what is recorded", .serialized)
struct AuditRecordingTests {
    @Test("every admin API change is recorded with who, what, before and after, and no secret appears in any row")
    func adminChangesRecordedWithoutSecrets() async throws {
        let credential = "sk-live-AUDITCRED-" + Identifiers.random(20)
        let replacement = "sk-live-AUDITREPL-" + Identifiers.random(20)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-audit-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let newMaster = MasterKey.generateBase64()
        try newMaster.write(to: directory.appendingPathComponent("new.key"), atomically: true, encoding: .utf8)

        let harness = try await GatewayHarness.start()
        do {
            let events = harness.gateway.runtime.bus.subscribe()
            try await harness.addProvider("openai-main", protocol: "openai", baseURL: "https://api.openai.com", credential: credential)
            try await harness.adminOK(.POST, "/admin/providers/openai-main/credential", json: #"{"credential":"\#(replacement)"}"#)
            try await harness.addDeployment(alias: "fast", provider: "openai-main", model: "gpt-4o-mini", id: "fast-1")
            try await harness.adminOK(.PUT, "/admin/aliases/fast", json: #"{"retries":2}"#)
            let key = try await harness.issueKey(org: "acme")
            let rotated = try await harness.adminOK(.POST, "/admin/keys/\(key.id)/rotate", json: #"{"gracePeriodSeconds":60}"#)
            let rotatedSecret = try #require(rotated["key"] as? String)
            try await harness.adminOK(.POST, "/admin/keys/\(key.id)/revoke")
            try await harness.adminOK(.PATCH, "/admin/orgs/acme", json: #"{"rpm":600}"#)
            try await harness.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"request":{"email":"redact"}}"#)
            let pricing = try await harness.admin(.PUT, "/admin/pricing", json: #"[{"provider":"openai-main","model":"gpt-4o-mini","inputPerMillion":"0.15","outputPerMillion":"0.60","version":"v1"}]"#)
            #expect(pricing.status == 200)
            try await harness.adminOK(.POST, "/admin/providers/openai-main/drain")
            try await harness.adminOK(.DELETE, "/admin/deployments/fast-1")
            try await harness.adminOK(.POST, "/admin/master-key/rewrap", json: #"{"newKeyFile":"\#(directory.appendingPathComponent("new.key").path)"}"#)

            let (entries, next, text) = try await harness.auditEntries()
            #expect(next is NSNull)
            let rows = entries.map { ($0["action"] as? String ?? "", $0["target"] as? String ?? "") }
            let expected: [(String, String)] = [
                ("provider.create", "provider:openai-main"), ("provider.credential.replace", "provider:openai-main"),
                ("deployment.create", "deployment:fast-1"), ("alias.put", "alias:fast"), ("key.create", "key:\(key.id)"),
                ("key.create", "org:acme"), ("key.rotate", "key:\(key.id)"), ("key.revoke", "key:\(key.id)"),
                ("org.update", "org:acme"), ("guardrail.put", "guardrail:org:acme"), ("pricing.put", "pricing"),
                ("provider.drain", "provider:openai-main"), ("deployment.delete", "deployment:fast-1"),
                ("master_key.rewrap", "master_key:" + (try MasterKey(base64: newMaster)).id), ("master_key.rewrap", "provider:openai-main"),
            ]
            for (action, target) in expected {
                #expect(rows.contains { $0 == (action, target) }, "missing \(action) \(target) in \(rows)")
            }
            #expect(entries.allSatisfy { $0["actor"] as? String == GatewayHarness.adminActor && $0["channel"] as? String == "api" })
            #expect(entries.map { $0["sequence"] as? Int } == Array(1...entries.count))

            let created = try #require(entries.first { $0["action"] as? String == "provider.create" })
            #expect(created["before"] is NSNull)
            let createdAfter = try #require(created["after"] as? String)
            #expect(createdAfter.contains(#""baseURL":"https://api.openai.com""#))
            #expect(createdAfter.contains(#""credential":{"fingerprint":"hmac:"#))
            let rotation = try #require(entries.first { $0["action"] as? String == "key.rotate" })
            #expect((rotation["before"] as? String)?.contains(#""secretHash":"<masked>""#) == true)
            #expect((rotation["after"] as? String)?.contains(#""graceSecretHash":"<masked>""#) == true)
            #expect(rotation["before"] as? String != rotation["after"] as? String)

            // No credential, key secret, key hash, master key or admin token anywhere in the trail.
            let stored = try await harness.storedAudit()
            #expect(stored.count == entries.count)
            let state = await harness.gateway.runtime.registry.currentState
            let keyHashes = state.keys.values.flatMap { [$0.secretHash, $0.graceSecretHash].compactMap { $0 } }
            let sealed = state.providers.values.compactMap(\.credential).flatMap { [$0.ciphertext.base64EncodedString(), $0.wrappedDataKey.base64EncodedString()] }
            let secrets = [credential, replacement, key.secret, rotatedSecret, GatewayHarness.adminToken, newMaster, harness.masterKey] + keyHashes + sealed
            #expect(keyHashes.count == 2 && sealed.count == 2)
            let everything = text + stored.map { [$0.actor, $0.action, $0.target, $0.before ?? "", $0.after ?? ""].joined(separator: "\n") }.joined()
            for secret in secrets {
                #expect(!everything.contains(secret), "a secret leaked into the audit trail")
            }

            // The chain verifies, and the console/SIEM bus event is still published.
            let log = try #require(await harness.gateway.runtime.registry.audit)
            let verifier = try await EvidenceVerification.verifyAudit(log.store, keys: try #require(log.keys))
            #expect(verifier.summary == "OK: \(entries.count) entries, last sequence \(entries.count), head hash \(stored.last?.hash ?? "")")
            var iterator = events.events.makeAsyncIterator()
            guard case .adminChange(let actor, let action, _)? = await iterator.next() else { throw HarnessError("no admin change event") }
            #expect((actor, action) == (GatewayHarness.adminActor, "provider.create"))
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test("the CLI's headers name the local user beside the token; bad ones are refused naming the header")
    func cliActor() async throws {
        try await withGateway { harness in
            let auth = ("authorization", "Bearer \(GatewayHarness.adminToken)")
            let ok = try await harness.send(
                .POST, "/admin/orgs", body: Array(#"{"id":"viacli"}"#.utf8),
                headers: [auth, ("x-aam-actor-channel", "cli"), ("x-aam-operator", "alice")])
            #expect(ok.status == 201, "\(ok.text)")
            let entry = try #require(try await harness.auditEntries("target=org:viacli").entries.first)
            #expect(entry["actor"] as? String == "cli:alice via \(GatewayHarness.adminActor)")
            #expect(entry["channel"] as? String == "cli")

            for (headers, field) in [
                ([("x-aam-actor-channel", "cli"), ("x-aam-operator", "al ice")], "x-aam-operator"),
                ([("x-aam-actor-channel", "cli")], "x-aam-operator"),
                ([("x-aam-actor-channel", "console"), ("x-aam-operator", "alice")], "x-aam-actor-channel"),
            ] {
                let refused = try await harness.send(.POST, "/admin/orgs", body: Array(#"{"id":"refused"}"#.utf8), headers: [auth] + headers)
                #expect(refused.status == 400)
                #expect(try refused.errorMessage().hasPrefix(field + ":"), "\(refused.text)")
            }
            #expect(await harness.gateway.runtime.registry.currentState.orgs["refused"] == nil)
        }
    }

    @Test("the real aam CLI's changes are recorded as cli:<local user>, and aam audit list shows them")
    func realCLI() async throws {
        try await withGateway { harness in
            let environment = ["AAM_ADMIN_TOKEN": GatewayHarness.adminToken]
            let create = try ProcessRunner("aam", arguments: ["keys", "create", "--org", "clitest", "--url", harness.baseURL], environment: environment)
            #expect(await create.waitForExit() == 0, "\(create.allOutput)")
            let user = try #require(getpwuid(geteuid()).flatMap { String(validatingCString: $0.pointee.pw_name) })
            let entry = try #require(try await harness.auditEntries("action=key.create").entries.first { ($0["target"] as? String)?.hasPrefix("key:") == true })
            #expect(entry["actor"] as? String == "cli:\(user) via \(GatewayHarness.adminActor)")
            #expect(entry["channel"] as? String == "cli")

            let list = try await runAAM(
                ["audit", "list", "--target", "org:*", "--url", harness.baseURL], environment: environment, marker: "key.create")
            #expect(list.status == 0)
            // One change, two entries sorted by target: the key (sequence 1), then the org it
            // created (2); the filter leaves only the org.
            #expect(list.line?.hasPrefix("2  ") == true, "\(list.line ?? "no line")")
            #expect(list.line?.hasSuffix("  cli:\(user) via \(GatewayHarness.adminActor)  key.create  org:clitest") == true, "\(list.line ?? "no line")")
        }
    }

    @Test("the config file is recorded at start and on every re-apply, as config:<file>")
    func configFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-audit-config-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audited.yaml").path
        let credential = "sk-live-CONFIGCRED-" + Identifiers.random(16)
        let keySecret = VirtualKeyFormat.generate()
        func write(retries: Int) throws {
            try """
                providers:
                  - name: upstream
                    protocol: openai
                    baseURL: https://api.example.invalid
                    credential: ${AUDIT_CRED}
                deployments:
                  - alias: fast
                    provider: upstream
                    upstreamModel: m1
                aliases:
                  - name: fast
                    retries: \(retries)
                orgs:
                  - id: acme
                keys:
                  - id: cfg-key
                    orgId: acme
                    secret: ${AUDIT_KEY}
                """.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write(retries: 1)
        let harness = try await GatewayHarness.start(config: path, environment: ["AUDIT_CRED": credential, "AUDIT_KEY": keySecret])
        do {
            let atStart = try await harness.auditEntries().entries
            #expect(atStart.allSatisfy { $0["actor"] as? String == "config:audited.yaml" && $0["channel"] as? String == "config" })
            #expect(Set(atStart.compactMap { $0["target"] as? String }).isSuperset(of: ["provider:upstream", "alias:fast", "org:acme", "key:cfg-key"]))
            #expect(atStart.allSatisfy { $0["action"] as? String == "config.apply" })

            // Re-applying an unchanged file (what SIGHUP does) leaves one entry and no documents.
            try await harness.gateway.applyConfigFile(path)
            let unchanged = try await harness.auditEntries("after=\(atStart.count)").entries
            #expect(unchanged.count == 1)
            #expect(unchanged.first?["target"] as? String == "config:audited.yaml")
            #expect(unchanged.first?["before"] is NSNull)

            try write(retries: 3)
            try await harness.gateway.applyConfigFile(path)
            let changed = try await harness.auditEntries("after=\(atStart.count + 1)").entries
            #expect(changed.count == 1)
            #expect(changed.first?["target"] as? String == "alias:fast")
            #expect((changed.first?["before"] as? String)?.contains(#""retries":1"#) == true)
            #expect((changed.first?["after"] as? String)?.contains(#""retries":3"#) == true)

            let everything = try await harness.auditEntries().text
            #expect(!everything.contains(credential))
            #expect(!everything.contains(keySecret))
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}

@Suite("Admin audit: GET /admin/audit", .serialized)
struct AuditQueryTests {
    @Test("filters by actor, action, target (exact or prefix) and time; pages with after, limit and next")
    func filtersAndPaging() async throws {
        let clock = AuditTestClock()
        let harness = try await GatewayHarness.start(clock: clock)
        do {
            let start = clock.now()
            for index in 1...5 {
                try await harness.adminOK(.POST, "/admin/orgs", json: #"{"id":"org\#(index)"}"#)
                clock.advance(60)
            }
            let viaCLI = try await harness.send(
                .POST, "/admin/teams", body: Array(#"{"id":"team1","orgId":"org1"}"#.utf8),
                headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("x-aam-actor-channel", "cli"), ("x-aam-operator", "bob")])
            #expect(viaCLI.status == 201)

            func targets(_ query: String) async throws -> [String] {
                try await harness.auditEntries(query).entries.compactMap { $0["target"] as? String }
            }
            #expect(try await targets("action=org.create") == ["org:org1", "org:org2", "org:org3", "org:org4", "org:org5"])
            #expect(try await targets("target=org:*") == ["org:org1", "org:org2", "org:org3", "org:org4", "org:org5"])
            #expect(try await targets("target=org:org3") == ["org:org3"])
            #expect(try await targets("target=team:*") == ["team:team1"])
            #expect(try await targets("actor=cli:bob%20via%20\(GatewayHarness.adminActor)") == ["team:team1"])
            #expect(try await targets("actor=\(GatewayHarness.adminActor)").count == 5)
            let formatter = ISO8601DateFormatter()
            let from = formatter.string(from: start.addingTimeInterval(60)), to = formatter.string(from: start.addingTimeInterval(150))
            #expect(try await targets("from=\(from)&to=\(to)") == ["org:org2", "org:org3"])

            let first = try await harness.auditEntries("limit=2")
            #expect(first.entries.compactMap { $0["sequence"] as? Int } == [1, 2])
            #expect(first.next as? Int == 2)
            let second = try await harness.auditEntries("limit=2&after=2")
            #expect(second.entries.compactMap { $0["sequence"] as? Int } == [3, 4])
            let last = try await harness.auditEntries("limit=2&after=4")
            #expect(last.entries.compactMap { $0["sequence"] as? Int } == [5, 6])
            #expect(last.next as? Int == 6)
            let beyond = try await harness.auditEntries("limit=2&after=6")
            #expect(beyond.entries.isEmpty)
            #expect(beyond.next is NSNull)

            let entry = try #require(first.entries.first)
            #expect(Set(entry.keys) == ["sequence", "at", "actor", "channel", "action", "target", "before", "after", "previousHash", "hash"])
            #expect(entry["at"] as? String == "2026-09-21T14:13:20.000Z")
            #expect(entry["previousHash"] as? String == AuditCanonicalForm.genesisHash)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test("bad query parameters are refused with a message naming the parameter")
    func badInput() async throws {
        try await withGateway { harness in
            for (query, field) in [
                ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("after=-1", "after"), ("after=x", "after"),
                ("from=yesterday", "from"), ("to=2030-13-01", "to"), ("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"),
                ("target=key:*:x", "target"), ("actr=admin", "actr"), ("limit=1&limit=2", "limit"),
            ] {
                let reply = try await harness.admin(.GET, "/admin/audit?\(query)")
                #expect(reply.status == 400, "\(query): \(reply.text)")
                #expect(try reply.errorMessage().hasPrefix("\(field):"), "\(query): \(reply.text)")
            }
            #expect(try await harness.admin(.GET, "/admin/audit", token: nil).status == 401)
        }
    }
}
