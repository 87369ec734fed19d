import AAMCore
import Foundation
import Testing

/// The duplicate-key rule on the data plane and the admin API: a body holding a key twice, at
/// any depth, is a 400 in the surface's own error shape that names the key, and the daemon
/// keeps serving.
@Suite struct JSONDuplicateKeySurfaceTests {
    @Test(arguments: InboundRoute.allCases)
    func dataPlaneBodiesWithADuplicateKeyAre400InvalidJSON(_ route: InboundRoute) async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["chat", "premium"])
            let key = try await gateway.issueKey(extra: #""models":["chat"]"#).secret
            let maxTokens = route == .messages ? #","max_tokens":16"# : ""
            let cases: [(String, String)] = [
                // A model-restricted key names its allowed model first and the forbidden one last.
                (#"{"model":"chat","model":"premium","messages":[{"role":"user","content":"hi"}]\#(maxTokens)}"#, "model"),
                (#"{"model":"chat","MODEL":"premium","messages":[{"role":"user","content":"hi"}]\#(maxTokens)}"#, "MODEL"),
                // Guardrails would read one content, the vendor the other.
                (#"{"model":"chat","messages":[{"role":"user","content":"hi","content":"other"}]\#(maxTokens)}"#, "content"),
                (#"{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":{"a":{"b":1,"\u0062":2}}\#(maxTokens)}"#, "b"),
            ]
            for (body, duplicated) in cases {
                let reply = try await gateway.send(.POST, route.path, body: Array(body.utf8), headers: [("authorization", "Bearer \(key)")])
                reply.expectError(
                    on: route, 400, openAIType: "invalid_request_error", code: "invalid_json", messageContains: ["duplicate key \"\(duplicated)\""])
            }
            try await gateway.expectServed(route, model: "chat", key: key)
        }
    }

    @Test func adminBodiesWithADuplicateKeyAre400NamingIt() async throws {
        try await withGateway { gateway in
            let cases: [(String, String, String)] = [
                ("/admin/keys", #"{"orgId":"acme","orgId":"other"}"#, "orgId"),
                ("/admin/keys", #"{"orgId":"acme","metadata":{"owner":"alice","owner":"mallory"}}"#, "owner"),
                ("/admin/workloads", #"{"spiffeId":"spiffe://prod/a","SPIFFEID":"spiffe://prod/b","owner":"o","team":"t","environment":"prod","deployment":"d","orgId":"acme"}"#, "SPIFFEID"),
            ]
            for (path, body, duplicated) in cases {
                let reply = try await gateway.admin(.POST, path, json: body)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                let error = try #require(try reply.json()["error"] as? [String: Any], "\(reply.text)")
                #expect(error["code"] as? String == "invalid_json", "\(reply.text)")
                #expect((error["message"] as? String)?.contains("duplicate key \"\(duplicated)\"") == true, "\(reply.text)")
            }
            let pricing = try await gateway.admin(
                .PUT, "/admin/pricing",
                json: #"[{"provider":"p","model":"m","inputPerMillion":"1","inputPerMillion":"0","outputPerMillion":"1","version":"v"}]"#)
            #expect(pricing.status == 400, "\(pricing.text)")
            #expect(pricing.text.contains(#"duplicate key \"inputPerMillion\""#), "\(pricing.text)")
            // An AgentPolicy sent as JSON (YAML's flow syntax) is held to the same rule by the
            // YAML reader: a duplicated field is refused, whatever its spelling.
            for identity in [#""workload":"spiffe://prod/a","workload":"spiffe://prod/b""#, #""workload":"spiffe://prod/a","\u0077orkload":"spiffe://prod/b""#] {
                let policy = #"{"apiVersion":"access.envisionai.dev/v1","kind":"AgentPolicy","metadata":{"name":"p"},"spec":{"identity":{\#(identity)}}}"#
                let reply = try await gateway.send(
                    .PUT, "/admin/policies", body: Array(policy.utf8),
                    headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", "application/yaml")])
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.text.contains("duplicate key"), "\(reply.text)")
            }
            // Still serving.
            _ = try await gateway.issueKey()
        }
    }
}
