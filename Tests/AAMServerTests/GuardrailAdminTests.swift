import AAMCore
import AAMSecrets
import AAMTesting
import Foundation
import Testing

/// `PUT/GET/DELETE /admin/guardrails/SCOPE`.
@Suite("Guardrails: admin API", .serialized)
struct GuardrailAdminTests {
    @Test func getReturnsTheEffectivePolicyAlongTheChain() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"redact","phone":"flag"},"denylist":["project zeus"]}"#)
            try await f.put("key:\(f.keyID)", #"{"request":{"email":"block"},"response":{"api_key":"redact"}}"#)
            let effective = try await f.gateway.adminOK(.GET, "/admin/guardrails/key:\(f.keyID)")
            let request = try #require(effective["request"] as? [String: String])
            #expect(request == ["email": "block", "phone": "flag", "denylist": "block"])
            #expect(effective["response"] as? [String: String] == ["api_key": "redact", "denylist": "block"])
            #expect(effective["denylist"] as? [String] == ["project zeus"])
            let org = try await f.gateway.adminOK(.GET, "/admin/guardrails/org:acme")
            #expect((org["request"] as? [String: String])?["email"] == "redact")
        }
    }

    @Test func putValidatesAndNamesTheField() async throws {
        try await GuardrailFixture.run { f in
            let cases: [(scope: String, body: String, field: String)] = [
                ("org:acme", #"{"request":{"emial":"redact"}}"#, "request.emial"),
                ("org:acme", #"{"response":{"email":"shred"}}"#, "response.email"),
                ("org:acme", #"{"requests":{}}"#, "requests"),
                ("org:acme", #"{"denylist":["/([a-z/"]}"#, "denylist[0]"),
                ("user:bob", #"{}"#, "scope"),
                ("org:", #"{}"#, "scope"),
            ]
            for (scope, body, field) in cases {
                let reply = try await f.gateway.admin(.PUT, "/admin/guardrails/\(scope)", json: body)
                #expect(reply.status == 400, "\(scope) \(body) -> \(reply.status) \(reply.text)")
                let error = try #require(try reply.json()["error"] as? [String: Any])
                #expect(error["param"] as? String == field, "\(body): \(reply.text)")
            }
        }
    }

    @Test func deleteRemovesThePolicyAndItsEffect() async throws {
        try await GuardrailFixture.run { f in
            try await f.put("org:acme", #"{"request":{"email":"block"}}"#)
            #expect(try await f.openAI("to \(GuardrailFixture.email)").status == 400)
            try await f.gateway.adminOK(.DELETE, "/admin/guardrails/org:acme")
            #expect(try await f.openAI("to \(GuardrailFixture.email)").status == 200)
            #expect(try await f.gateway.admin(.DELETE, "/admin/guardrails/org:acme").status == 404)
        }
    }

    @Test func policiesSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-guardrails-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("aam.db").path
        let masterKey = MasterKey.generateBase64()
        let first = try await GatewayHarness.start(database: database, masterKey: masterKey)
        do {
            try await first.adminOK(.PUT, "/admin/guardrails/team:platform", json: #"{"response":{"jwt":"block"}}"#)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        let second = try await GatewayHarness.start(database: database, masterKey: masterKey)
        do {
            let effective = try await second.adminOK(.GET, "/admin/guardrails/team:platform")
            #expect(effective["response"] as? [String: String] == ["jwt": "block"])
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
    }
}

/// Policies declared in the config file apply to traffic like admin-set ones.
@Suite("Guardrails: config file", .serialized)
struct GuardrailConfigFileTests {
    @Test func configFilePoliciesAreEffective() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-guardrail-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("aam.yaml").path
        try """
            orgs:
              - id: acme
            guardrails:
              - scope: org:acme
                request: {email: block}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let gateway = try await GatewayHarness.start(config: path)
        do {
            let effective = try await gateway.adminOK(.GET, "/admin/guardrails/org:acme")
            #expect(effective["request"] as? [String: String] == ["email": "block"])
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
