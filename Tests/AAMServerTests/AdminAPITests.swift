import AAMCore
import AAMTesting
import Foundation
import NIOHTTP1
import Testing

/// The admin API over loopback HTTP: authentication, validation errors that name the field,
/// conflicts, secrets never echoed, and routing changes (drain, weights) that take effect on the
/// very next request.
@Suite("Admin API")
struct AdminAPITests {
    static let credential = "sk-live-ADMINSECRET-0123456789abcdef"
    static let replacement = "sk-live-REPLACEDSECRET-fedcba9876543210"

    /// The admin error shape (OpenAI's), with the field in `param`.
    @discardableResult
    static func expectAdminError(
        _ reply: GatewayHarness.Reply, _ status: Int, code: String, field: String? = nil, messageContains: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        let type = status == 401 ? "authentication_error" : "invalid_request_error"
        return reply.expectOpenAIError(
            status, type: type, code: code, param: field, messageContains: messageContains + (field.map { [$0] } ?? []),
            sourceLocation: sourceLocation)
    }

    // MARK: Authentication

    @Test func adminTokenIsRequired() async throws {
        try await withGateway { gateway in
            for (method, path) in [(HTTPMethod.GET, "/admin/providers"), (.GET, "/admin/keys"), (.POST, "/admin/keys"), (.PUT, "/admin/aliases/x")] {
                let body = method == .GET ? nil : #"{"orgId":"acme"}"#
                Self.expectAdminError(try await gateway.admin(method, path, json: body, token: nil), 401, code: "invalid_admin_token",
                                      messageContains: ["missing admin token"])
                Self.expectAdminError(try await gateway.admin(method, path, json: body, token: "wrong-token"), 401, code: "invalid_admin_token",
                                      messageContains: ["invalid admin token"])
                Self.expectAdminError(try await gateway.admin(method, path, json: body, token: GatewayHarness.adminToken + "x"), 401,
                                      code: "invalid_admin_token")
            }
            // A virtual key is not an admin token.
            let key = try await gateway.issueKey().secret
            Self.expectAdminError(try await gateway.admin(.GET, "/admin/keys", token: key), 401, code: "invalid_admin_token")
            // Nothing was created by the refused POST.
            let keys = try await gateway.admin(.GET, "/admin/keys")
            #expect(keys.status == 200)
            #expect((try JSONSerialization.jsonObject(with: Data(keys.bytes)) as? [Any])?.count == 1)
        }
    }

    // MARK: Providers

    @Test func providerCredentialIsNeverEchoed() async throws {
        try await withGateway { gateway in
            var bodies: [String] = []
            let created = try await gateway.admin(.POST, "/admin/providers", json: #"""
                {"name":"openai-main","protocol":"openai","baseURL":"https://api.example.com/v1","credential":"\#(Self.credential)","region":"eu"}
                """#)
            #expect(created.status == 201, "\(created.text)")
            bodies.append(created.text)
            let view = try #require(created.jsonObject())
            #expect(view["name"] as? String == "openai-main")
            #expect(view["protocol"] as? String == "openai")
            #expect(view["credentialSet"] as? Bool == true)
            let fingerprint = try #require(view["credentialFingerprint"] as? String)
            #expect(fingerprint.hasPrefix("hmac:") && fingerprint.count == 17)
            #expect(view["credential"] == nil)

            let list = try await gateway.admin(.GET, "/admin/providers")
            #expect(list.status == 200)
            bodies.append(list.text)
            let one = try await gateway.admin(.GET, "/admin/providers/openai-main")
            #expect(one.status == 200)
            #expect(one.jsonObject()?["credentialFingerprint"] as? String == fingerprint)
            bodies.append(one.text)
            let patched = try await gateway.admin(.PATCH, "/admin/providers/openai-main", json: #"{"region":"us"}"#)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.jsonObject()?["region"] as? String == "us")
            #expect(patched.jsonObject()?["credentialFingerprint"] as? String == fingerprint, "a patch keeps the credential")
            bodies.append(patched.text)
            // The credential cannot be patched in (it has its own endpoint).
            let sneaky = try await gateway.admin(.PATCH, "/admin/providers/openai-main", json: #"{"credential":"\#(Self.replacement)"}"#)
            Self.expectAdminError(sneaky, 400, code: "invalid_request", field: "credential", messageContains: ["unknown field"])
            bodies.append(sneaky.text)

            let replaced = try await gateway.admin(.POST, "/admin/providers/openai-main/credential", json: #"{"credential":"\#(Self.replacement)"}"#)
            #expect(replaced.status == 200, "\(replaced.text)")
            let newFingerprint = try #require(replaced.jsonObject()?["credentialFingerprint"] as? String)
            #expect(newFingerprint.hasPrefix("hmac:"))
            #expect(newFingerprint != fingerprint)
            #expect(replaced.jsonObject()?["credentialSet"] as? Bool == true)
            bodies.append(replaced.text)
            bodies.append(try await gateway.admin(.GET, "/admin/providers/openai-main").text)
            // Bad input mentioning a credential does not echo it either.
            bodies.append(try await gateway.admin(.POST, "/admin/providers", json: #"""
                {"name":"openai-main","protocol":"openai","baseURL":"https://api.example.com/v1","credential":"\#(Self.credential)"}
                """#).text)
            bodies.append(try await gateway.admin(.POST, "/admin/providers", json: #"""
                {"name":"other","protocol":"openai","baseURL":"https://api.example.com","headers":{"Authorization":"Bearer \#(Self.credential)"}}
                """#).text)

            for body in bodies {
                for secret in [Self.credential, Self.replacement] {
                    #expect(!body.contains(secret), "secret echoed in \(body)")
                    #expect(!body.contains(String(secret.dropFirst(8).prefix(12))), "part of a secret echoed in \(body)")
                }
            }
        }
    }

    @Test func providerValidationNamesTheField() async throws {
        try await withGateway { gateway in
            // A typo is refused with a suggestion, not silently ignored.
            let typo = try await gateway.admin(.POST, "/admin/providers",
                                               json: #"{"name":"p1","protocol":"openai","baseUrl":"https://api.example.com","credential":"x"}"#)
            Self.expectAdminError(typo, 400, code: "invalid_request", field: "baseUrl", messageContains: ["unknown field", "did you mean 'baseURL'"])
            let typo2 = try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"p1","protocl":"openai","baseURL":"https://a.example"}"#)
            Self.expectAdminError(typo2, 400, code: "invalid_request", field: "protocl", messageContains: ["did you mean 'protocol'"])

            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"p1","protocol":"grpc","baseURL":"https://api.example.com"}"#),
                400, code: "invalid_request", field: "protocol", messageContains: ["grpc", "openai", "anthropic", "azure-openai", "simulated"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers",
                                        json: #"{"name":"az","protocol":"azure-openai","baseURL":"https://x.openai.azure.com","credential":"k"}"#),
                400, code: "invalid_request", field: "apiVersion", messageContains: ["azure-openai"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"p1","protocol":"openai","baseURL":"ftp://x"}"#),
                400, code: "invalid_request", field: "baseURL")
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"protocol":"openai","baseURL":"https://a.example"}"#),
                400, code: "invalid_request", field: "name", messageContains: ["required"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"name":7,"protocol":"openai","baseURL":"https://a.example"}"#),
                400, code: "invalid_request", field: "name", messageContains: ["string"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"bad name!","protocol":"openai","baseURL":"https://a.example"}"#),
                400, code: "invalid_request", field: "name")
            Self.expectAdminError(try await gateway.admin(.POST, "/admin/providers", json: "{nope"), 400, code: "invalid_request",
                                  messageContains: ["not a valid JSON object"])
            // Nothing was created by any of that.
            #expect(try await gateway.admin(.GET, "/admin/providers").text == "[]")

            // Azure with its apiVersion is fine; a duplicate name is a conflict.
            try await gateway.addProvider("az", protocol: "azure-openai", baseURL: "https://x.openai.azure.com", credential: "k",
                                          extra: #""apiVersion":"2024-10-21""#)
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/providers", json: #"{"name":"az","protocol":"openai","baseURL":"https://a.example"}"#),
                409, code: "conflict", messageContains: ["az", "already exists"])
            Self.expectAdminError(try await gateway.admin(.GET, "/admin/providers/nope"), 404, code: "not_found", messageContains: ["nope"])
            Self.expectAdminError(try await gateway.admin(.POST, "/admin/providers/nope/drain"), 404, code: "not_found")
        }
    }

    @Test func deploymentsAndProviderDeletion() async throws {
        try await withGateway { gateway in
            try await gateway.addProvider("p1", protocol: "openai", baseURL: "https://api.example.com", credential: "k1")
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/deployments", json: #"{"alias":"chat","provider":"ghost","upstreamModel":"gpt-4o"}"#),
                400, code: "invalid_request", field: "provider", messageContains: ["ghost"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/deployments", json: #"{"alias":"chat","provider":"p1","upstreamModel":"gpt-4o","weight":-1}"#),
                400, code: "invalid_request", field: "weight")
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/deployments", json: #"{"alias":"chat","provider":"p1"}"#),
                400, code: "invalid_request", field: "upstreamModel", messageContains: ["required"])
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/deployments", json: #"{"alias":"chat","provider":"p1","upstreamModel":"m","wieght":2}"#),
                400, code: "invalid_request", field: "wieght", messageContains: ["did you mean 'weight'"])

            let created = try await gateway.admin(.POST, "/admin/deployments", json: #"{"alias":"chat","provider":"p1","upstreamModel":"gpt-4o"}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.jsonObject()?["id"] as? String)
            Self.expectAdminError(
                try await gateway.admin(.POST, "/admin/deployments", json: #"{"id":"\#(id)","alias":"chat","provider":"p1","upstreamModel":"m"}"#),
                409, code: "conflict")

            // A provider in use cannot be deleted; once free it can.
            Self.expectAdminError(try await gateway.admin(.DELETE, "/admin/providers/p1"), 409, code: "conflict", messageContains: [id])
            #expect(try await gateway.admin(.GET, "/admin/providers/p1").status == 200)
            #expect(try await gateway.admin(.DELETE, "/admin/deployments/\(id)").status == 204)
            Self.expectAdminError(try await gateway.admin(.DELETE, "/admin/deployments/\(id)"), 404, code: "not_found")
            #expect(try await gateway.admin(.DELETE, "/admin/providers/p1").status == 204)
            Self.expectAdminError(try await gateway.admin(.GET, "/admin/providers/p1"), 404, code: "not_found")
        }
    }

    // MARK: Aliases

    @Test func aliasSettingsAreValidated() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["a", "b", "c"])
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"strategy":"round-robin"}"#),
                                  400, code: "invalid_request", field: "strategy", messageContains: ["round-robin", "weighted", "priority"])
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"fallbacks":["nowhere"]}"#),
                                  400, code: "invalid_request", field: "fallbacks[0]", messageContains: ["nowhere"])
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"fallbacks":["b","a"]}"#),
                                  400, code: "invalid_request", field: "fallbacks[1]", messageContains: ["itself"])
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"fallbacks":"b"}"#),
                                  400, code: "invalid_request", field: "fallbacks")
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"timeoutMs":0}"#),
                                  400, code: "invalid_request", field: "timeoutMs")
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"retries":99}"#),
                                  400, code: "invalid_request", field: "retries")
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/a", json: #"{"timeout":100}"#),
                                  400, code: "invalid_request", field: "timeout", messageContains: ["did you mean 'timeoutMs'"])

            // a -> b is fine; b -> a would close a cycle; so would c -> a while a -> b -> c.
            let chain = try await gateway.adminOK(.PUT, "/admin/aliases/a", json: #"{"fallbacks":["b"],"strategy":"priority"}"#)
            #expect(chain["fallbacks"] as? [String] == ["b"])
            #expect(chain["strategy"] as? String == "priority")
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/b", json: #"{"fallbacks":["a"]}"#),
                                  400, code: "invalid_request", field: "fallbacks", messageContains: ["cycle"])
            try await gateway.adminOK(.PUT, "/admin/aliases/b", json: #"{"fallbacks":["c"]}"#)
            Self.expectAdminError(try await gateway.admin(.PUT, "/admin/aliases/c", json: #"{"fallbacks":["a"]}"#),
                                  400, code: "invalid_request", field: "fallbacks", messageContains: ["cycle"])
            // The refused changes left the settings as they were.
            let b = try await gateway.adminOK(.GET, "/admin/aliases/b")
            #expect(b["fallbacks"] as? [String] == ["c"])
            let c = try await gateway.adminOK(.GET, "/admin/aliases/c")
            #expect(c["fallbacks"] as? [String] == [])
            // A fallback target in use cannot be deleted.
            Self.expectAdminError(try await gateway.admin(.DELETE, "/admin/aliases/c"), 409, code: "conflict", messageContains: ["b"])
        }
    }

    // MARK: Routing changes take effect

    /// Sends `count` chat calls to `alias` and returns the providers that served them.
    static func servedBy(_ gateway: GatewayHarness, alias: String, key: String, count: Int = 6) async throws -> [String] {
        var providers: [String] = []
        for index in 0..<count {
            let route: InboundRoute = index.isMultiple(of: 2) ? .chat : .messages
            let reply = try await gateway.expectServed(route, model: alias, key: key)
            providers.append(reply.header("x-aam-provider") ?? "?")
        }
        return providers
    }

    @Test func drainUndrainAndWeightsSteerTraffic() async throws {
        let upstreamKey = "sk-upstream-admin-routing"
        try await withFakeUpstreams(count: 2, apiKey: upstreamKey) { fakes in
            let (fakeA, fakeB) = (fakes[0], fakes[1])
            try await withGateway { gateway in
                try await gateway.addProvider("prov-a", protocol: "openai", baseURL: fakeA.baseURL, credential: upstreamKey)
                try await gateway.addProvider("prov-b", protocol: "openai", baseURL: fakeB.baseURL, credential: upstreamKey)
                try await gateway.addDeployment(alias: "pool", provider: "prov-a", model: "gpt-4o-mini", id: "pool-a")
                try await gateway.addDeployment(alias: "pool", provider: "prov-b", model: "gpt-4o-mini", id: "pool-b")
                let key = try await gateway.issueKey().secret

                // Drain A: everything goes to B, and A's vendor sees nothing.
                let drained = try await gateway.adminOK(.POST, "/admin/providers/prov-a/drain")
                #expect(drained["drained"] as? Bool == true)
                #expect(try await Self.servedBy(gateway, alias: "pool", key: key) == Array(repeating: "prov-b", count: 6))
                #expect(await fakeA.requestCount() == 0)
                #expect(await fakeB.requestCount() == 6)

                // Undrain A and give B weight 0: everything goes to A (which proves A is back).
                let undrained = try await gateway.adminOK(.POST, "/admin/providers/prov-a/undrain")
                #expect(undrained["drained"] as? Bool == false)
                let patched = try await gateway.adminOK(.PATCH, "/admin/deployments/pool-b", json: #"{"weight":0}"#)
                #expect(patched["weight"] as? Int == 0)
                #expect(try await Self.servedBy(gateway, alias: "pool", key: key) == Array(repeating: "prov-a", count: 6))
                #expect(await fakeA.requestCount() == 6)
                #expect(await fakeB.requestCount() == 6)

                // And the other way round.
                try await gateway.adminOK(.PATCH, "/admin/deployments/pool-b", json: #"{"weight":1}"#)
                try await gateway.adminOK(.PATCH, "/admin/deployments/pool-a", json: #"{"weight":0}"#)
                #expect(try await Self.servedBy(gateway, alias: "pool", key: key) == Array(repeating: "prov-b", count: 6))
                #expect(await fakeA.requestCount() == 6)

                // Both providers drained: 503 in each route's shape, no vendor call.
                try await gateway.adminOK(.POST, "/admin/providers/prov-a/drain")
                try await gateway.adminOK(.POST, "/admin/providers/prov-b/drain")
                try await gateway.chat(.chat, model: "pool", key: key)
                    .expectOpenAIError(503, type: "api_error", code: "no_deployment_available", messageContains: ["pool"])
                try await gateway.chat(.messages, model: "pool", key: key).expectAnthropicError(503)
                #expect(await fakeA.requestCount() + fakeB.requestCount() == 18)

                Self.expectAdminError(try await gateway.admin(.PATCH, "/admin/deployments/pool-a", json: #"{"weight":-3}"#),
                                      400, code: "invalid_request", field: "weight")
                Self.expectAdminError(try await gateway.admin(.PATCH, "/admin/deployments/nope", json: #"{"weight":1}"#), 404, code: "not_found")
            }
        }
    }
}
