import AAMCore
import Foundation
import NIOHTTP1
import Testing

/// Virtual keys from issuance to revocation: the secret is shown exactly once, scopes are
/// created on demand, and revocation, expiry, rotation and model allow-lists take effect on the
/// very next request.
@Suite("Key lifecycle")
struct KeyLifecycleTests {
    /// A 64-character lowercase or uppercase hex run (what a stored SHA-256 / HMAC hash looks like).
    static func containsHexHash(_ text: String) -> Bool {
        text.range(of: "[0-9a-fA-F]{64}", options: .regularExpression) != nil
    }

    static func isWellFormedSecret(_ secret: String) -> Bool {
        secret.range(of: "^sk-aam-[A-Za-z0-9]{40}$", options: .regularExpression) != nil
    }

    @Test func secretIsShownOnceAndScopesAreCreated() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            // The seed's example, exactly as written.
            let created = try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"acme","teamId":"platform"}"#)
            #expect(created.status == 201, "\(created.text)")
            let view = try #require(created.jsonObject())
            let secret = try #require(view["key"] as? String)
            let id = try #require(view["id"] as? String)
            #expect(Self.isWellFormedSecret(secret), "\(secret)")
            #expect(secret.count == "sk-aam-".count + 40)
            let prefix = try #require(view["prefix"] as? String)
            #expect(secret.hasPrefix(prefix))
            #expect(prefix.count < secret.count - 20, "the prefix identifies the key without revealing it")
            #expect(view["orgId"] as? String == "acme")
            #expect(view["teamId"] as? String == "platform")
            #expect(view["status"] as? String == "active")
            #expect(!Self.containsHexHash(created.text), "no hash in the issuance response either")

            // The scopes named by the key now exist.
            let orgs = try await gateway.admin(.GET, "/admin/orgs")
            let orgList = try #require(try JSONSerialization.jsonObject(with: Data(orgs.bytes)) as? [[String: Any]])
            #expect(orgList.map { $0["id"] as? String } == ["acme"])
            let teams = try await gateway.admin(.GET, "/admin/teams")
            let teamList = try #require(try JSONSerialization.jsonObject(with: Data(teams.bytes)) as? [[String: Any]])
            #expect(teamList.count == 1)
            #expect(teamList.first?["id"] as? String == "platform")
            #expect(teamList.first?["orgId"] as? String == "acme")
            // A second key in the same scopes reuses them; a team of another org is refused.
            try await gateway.adminOK(.POST, "/admin/keys", json: #"{"orgId":"acme","teamId":"platform","name":"second"}"#)
            let clash = try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"globex","teamId":"platform"}"#)
            clash.expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "teamId", messageContains: ["acme"])

            // Never again: not in the list, not in the detail, not as a hash.
            let list = try await gateway.admin(.GET, "/admin/keys")
            let detail = try await gateway.admin(.GET, "/admin/keys/\(id)")
            #expect(list.status == 200)
            #expect(detail.status == 200)
            #expect(detail.jsonObject()?["prefix"] as? String == prefix)
            #expect(detail.jsonObject()?["key"] == nil)
            for reply in [list, detail] {
                #expect(!reply.text.contains(secret))
                #expect(!reply.text.contains(String(secret.suffix(20))))
                #expect(!Self.containsHexHash(reply.text), "a hash leaked: \(reply.text)")
                #expect(!reply.text.lowercased().contains("hash"), "no hash fields: \(reply.text)")
            }
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.bytes)) as? [[String: Any]])
            #expect(listed.count == 2)
            #expect(listed.allSatisfy { $0["key"] == nil })
            #expect(try await gateway.admin(.GET, "/admin/keys/key_nope").status == 404)

            // And the secret works.
            try await gateway.expectServed(.chat, model: "chat", key: secret)
        }
    }

    @Test func keyInputIsValidated() async throws {
        try await withGateway { gateway in
            let past = try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"acme","expiresAt":"2020-01-01T00:00:00Z"}"#)
            past.expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "expiresAt", messageContains: ["future"])
            let garbled = try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"acme","expiresAt":"next tuesday"}"#)
            garbled.expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "expiresAt", messageContains: ["ISO 8601"])
            try await gateway.admin(.POST, "/admin/keys", json: #"{"teamId":"platform"}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "orgId", messageContains: ["required"])
            try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"acme","model":["chat"]}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "model", messageContains: ["did you mean 'models'"])
            try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"not a slug!"}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "orgId")
            try await gateway.admin(.POST, "/admin/keys", json: #"{"orgId":"acme","models":"chat"}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "models")
            // None of that created a key or a scope.
            #expect(try await gateway.admin(.GET, "/admin/keys").text == "[]")
            #expect(try await gateway.admin(.GET, "/admin/orgs").text == "[]")

            // A future expiry is accepted and shown.
            let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            let ok = try await gateway.adminOK(.POST, "/admin/keys", json: #"{"orgId":"acme","expiresAt":"\#(future)"}"#)
            #expect(ok["expiresAt"] as? String == future)
            #expect(ok["status"] as? String == "active")
        }
    }

    @Test func revokedKeysAreRefusedAtOnce() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let (id, secret) = try await gateway.issueKey()
            let other = try await gateway.issueKey().secret
            try await gateway.expectServed(.chat, model: "chat", key: secret)

            let revoked = try await gateway.adminOK(.POST, "/admin/keys/\(id)/revoke")
            #expect(revoked["status"] as? String == "revoked")
            #expect(revoked["revokedAt"] is String)
            #expect(revoked["key"] == nil)

            try await gateway.chat(.chat, model: "chat", key: secret)
                .expectOpenAIError(401, type: "authentication_error", code: "invalid_api_key", messageContains: ["revoked"])
            try await gateway.chat(.messages, model: "chat", key: secret)
                .expectAnthropicError(401, messageContains: ["revoked"])
            try await gateway.send(.POST, "/v1/messages", body: Array(InboundRoute.messages.body(model: "chat").utf8), headers: [("x-api-key", secret)])
                .expectAnthropicError(401, messageContains: ["revoked"])
            try await gateway.send(.GET, "/v1/models", headers: [("authorization", "Bearer \(secret)")])
                .expectOpenAIError(401, type: "authentication_error", code: "invalid_api_key", messageContains: ["revoked"])
            // Revoking is idempotent; a revoked key cannot be rotated back to life.
            #expect(try await gateway.admin(.POST, "/admin/keys/\(id)/revoke").status == 200)
            try await gateway.admin(.POST, "/admin/keys/\(id)/rotate", json: #"{"gracePeriodSeconds":0}"#)
                .expectOpenAIError(409, type: "invalid_request_error", code: "conflict", messageContains: ["revoked"])
            #expect(try await gateway.admin(.POST, "/admin/keys/key_nope/revoke").status == 404)
            // Other keys are unaffected.
            try await gateway.expectServed(.chat, model: "chat", key: other)
        }
    }

    @Test func rotationWithGraceKeepsBothSecretsWorking() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let (id, old) = try await gateway.issueKey()
            let rotated = try await gateway.admin(.POST, "/admin/keys/\(id)/rotate", json: #"{"gracePeriodSeconds":30}"#)
            #expect(rotated.status == 200, "\(rotated.text)")
            let view = try #require(rotated.jsonObject())
            let new = try #require(view["key"] as? String)
            #expect(Self.isWellFormedSecret(new))
            #expect(new != old)
            #expect(view["id"] as? String == id, "rotation keeps the key's identity")
            #expect(view["graceUntil"] is String)
            #expect(view["prefix"] as? String == VirtualKeyFormat.prefix(of: new))
            #expect(!rotated.text.contains(old))
            #expect(!Self.containsHexHash(rotated.text))

            for route in InboundRoute.allCases {
                try await gateway.expectServed(route, model: "chat", key: old)
                try await gateway.expectServed(route, model: "chat", key: new)
            }
            let detail = try await gateway.admin(.GET, "/admin/keys/\(id)")
            #expect(!detail.text.contains(old) && !detail.text.contains(new))
            #expect(!Self.containsHexHash(detail.text))
        }
    }

    @Test func rotationWithoutGraceRetiresTheOldSecretAtOnce() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat"])
            let (id, old) = try await gateway.issueKey()
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let rotated = try await gateway.adminOK(.POST, "/admin/keys/\(id)/rotate", json: #"{"gracePeriodSeconds":0}"#)
            let new = try #require(rotated["key"] as? String)
            #expect(Self.isWellFormedSecret(new))
            #expect(rotated["graceUntil"] == nil)

            let refused = try await gateway.chat(.chat, model: "chat", key: old)
            refused.expectOpenAIError(401, type: "authentication_error", code: "invalid_api_key")
            try await gateway.chat(.messages, model: "chat", key: old).expectAnthropicError(401)
            let served = try await gateway.expectServed(.chat, model: "chat", key: new)
            try await gateway.expectServed(.messages, model: "chat", key: new)

            let refusedRecord = try await GatewayHarness.record(refused.requestID(), on: subscription)
            #expect(refusedRecord.status == 401)
            #expect(refusedRecord.outcome == .rejected)
            #expect(refusedRecord.keyId == nil, "the old secret no longer identifies the key")
            let servedRecord = try await GatewayHarness.record(served.requestID(), on: subscription)
            #expect(servedRecord.keyId == id)
            #expect(servedRecord.keyPrefix == VirtualKeyFormat.prefix(of: new))

            // An empty body rotates without grace too; out-of-range grace is refused.
            let again = try await gateway.adminOK(.POST, "/admin/keys/\(id)/rotate")
            let third = try #require(again["key"] as? String)
            try await gateway.chat(.chat, model: "chat", key: new).expectOpenAIError(401, type: "authentication_error", code: "invalid_api_key")
            try await gateway.expectServed(.chat, model: "chat", key: third)
            try await gateway.admin(.POST, "/admin/keys/\(id)/rotate", json: #"{"gracePeriodSeconds":-1}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "gracePeriodSeconds")
            try await gateway.admin(.POST, "/admin/keys/\(id)/rotate", json: #"{"grace":30}"#)
                .expectOpenAIError(400, type: "invalid_request_error", code: "invalid_request", param: "grace")
            try await gateway.expectServed(.chat, model: "chat", key: third)
        }
    }

    /// `GET /v1/models` ids for a key.
    static func modelIDs(_ gateway: GatewayHarness, key: String, header: (String, String)? = nil) async throws -> [String] {
        let reply = try await gateway.send(.GET, "/v1/models", headers: [header ?? ("authorization", "Bearer \(key)")])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("x-request-id") != nil)
        let object = try #require(reply.jsonObject())
        #expect(object["object"] as? String == "list")
        let data = try #require(object["data"] as? [[String: Any]])
        return data.compactMap { $0["id"] as? String }
    }

    @Test func modelAllowListLimitsModelsAndCalls() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium", "embed-ish"])
            let limited = try await gateway.issueKey(extra: #""models":["chat","embed-ish"]"#)
            let open = try await gateway.issueKey().secret
            let none = try await gateway.issueKey(extra: #""models":[]"#).secret

            #expect(try await Self.modelIDs(gateway, key: limited.secret) == ["chat", "embed-ish"])
            #expect(try await Self.modelIDs(gateway, key: limited.secret, header: ("x-api-key", limited.secret)) == ["chat", "embed-ish"])
            #expect(try await Self.modelIDs(gateway, key: open) == ["chat", "embed-ish", "premium"])
            #expect(try await Self.modelIDs(gateway, key: none) == [])
            try await gateway.send(.GET, "/v1/models").expectOpenAIError(401, type: "authentication_error", code: "missing_api_key")

            let detail = try await gateway.adminOK(.GET, "/admin/keys/\(limited.id)")
            #expect(detail["models"] as? [String] == ["chat", "embed-ish"])

            for route in InboundRoute.allCases {
                try await gateway.expectServed(route, model: "chat", key: limited.secret)
                try await gateway.chat(route, model: "premium", key: limited.secret)
                    .expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found", param: "model", messageContains: ["premium"])
                try await gateway.chat(route, model: "chat", key: none)
                    .expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found", param: "model")
                try await gateway.expectServed(route, model: "premium", key: open)
            }
            // A model added later is visible to unrestricted keys only.
            try await gateway.addDeployment(alias: "fresh", provider: "sim", model: "sim-model")
            #expect(try await Self.modelIDs(gateway, key: open).contains("fresh"))
            #expect(try await !Self.modelIDs(gateway, key: limited.secret).contains("fresh"))
        }
    }
}
