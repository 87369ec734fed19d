import AAMCore
import Foundation
import Testing

/// A model-restricted caller cannot tell the gateway's aliases from unknown names (issue 13,
/// item 9): a configured alias it may not use and an alias that does not exist get the same
/// 404 `model_not_found`, byte for byte but the model name and request id, both cost one
/// request of the key's RPM, and only the call record tells them apart.
@Suite("Model access")
struct ModelAccessTests {
    /// The answer with the alias and per-response headers blanked out.
    static func normalized(_ reply: GatewayHarness.Reply, alias: String) -> (status: Int, body: String, headers: [String]) {
        let headers = reply.headers
            .filter { !["x-request-id", "date"].contains($0.name.lowercased()) }
            .map { "\($0.name.lowercased()): \($0.value)" }
            .sorted()
        return (reply.status, reply.text.replacingOccurrences(of: alias, with: "MODEL"), headers)
    }

    @Test(arguments: InboundRoute.allCases)
    func forbiddenAndUnknownAliasesGetTheSameAnswer(_ route: InboundRoute) async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium"])
            // The attack: a key limited to "chat" probes a configured alias and an unknown one.
            let limited = try await gateway.issueKey(extra: #""models":["chat"],"rpm":2"#).secret
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }

            let forbidden = try await gateway.chat(route, model: "premium", key: limited)
            let unknown = try await gateway.chat(route, model: "premiux", key: limited)
            forbidden.expectError(on: route, 404, openAIType: "invalid_request_error", code: "model_not_found", param: "model",
                                  messageContains: ["The model `premium` does not exist or you do not have access to it."])
            let a = Self.normalized(forbidden, alias: "premium"), b = Self.normalized(unknown, alias: "premiux")
            #expect(a.status == b.status)
            #expect(a.body == b.body)
            #expect(a.headers == b.headers)
            #expect(forbidden.requestID() != unknown.requestID())

            // Only the records tell them apart.
            let forbiddenRecord = try await GatewayHarness.record(forbidden.requestID(), on: subscription)
            let unknownRecord = try await GatewayHarness.record(unknown.requestID(), on: subscription)
            #expect(forbiddenRecord.status == 404 && unknownRecord.status == 404)
            #expect(forbiddenRecord.errorClass == "model_not_allowed")
            #expect(unknownRecord.errorClass == "model_not_found")

            // Both cost one request of the key's RPM of 2: the allowed alias is now refused.
            let third = try await gateway.chat(route, model: "chat", key: limited)
            #expect(third.status == 429, "\(third.text)")
        }
    }

    /// `models` on a scope of the key's chain (here its team) hides aliases the same way, and
    /// `GET /v1/models` lists only what every scope allows.
    @Test func scopeAllowListsHideAliasesToo() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium"])
            try await gateway.adminOK(.POST, "/admin/orgs", json: #"{"id":"acme"}"#)
            try await gateway.adminOK(.POST, "/admin/teams", json: #"{"id":"t1","orgId":"acme","models":["chat"]}"#)
            let key = try await gateway.issueKey(extra: #""teamId":"t1""#).secret

            let listed = try await gateway.send(.GET, "/v1/models", headers: [("authorization", "Bearer \(key)")])
            let ids = ((try listed.json()["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            #expect(ids == ["chat"], "\(listed.text)")

            let forbidden = try await gateway.chat(.chat, model: "premium", key: key)
            let unknown = try await gateway.chat(.chat, model: "premiux", key: key)
            #expect(forbidden.status == 404)
            #expect(Self.normalized(forbidden, alias: "premium").body == Self.normalized(unknown, alias: "premiux").body)
            try await gateway.expectServed(.chat, model: "chat", key: key)
        }
    }
}
