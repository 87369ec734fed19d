import AAMCore
import Foundation
import Testing

/// JWT-SVIDs as `Authorization: Bearer` on the plain listener, against a real gateway.
@Suite struct JWTSVIDDataPlaneTests {
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#

    @Test func registeredWorkloadIsServedAndChargedToItsScope() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let gateway = try await WorkloadGateway.start(cas: [ca], mtls: false)
        do {
            try await gateway.register("spiffe://prod/agent/a", extra: #","teamId":"fin""#)
            let token = try await ca.jwtSVID(subject: "spiffe://prod/agent/a")
            let reply = try await gateway.harness.call("/v1/chat/completions", key: token, json: Self.chat)
            #expect(reply.status == 200, "\(reply.text)")
            let requestID = try #require(reply.header("x-request-id"))
            let record = try await gateway.harness.admin(.GET, "/admin/calls/\(requestID)").json()
            #expect(record["keyId"] as? String == "workload:spiffe://prod/agent/a")
            #expect(record["orgId"] as? String == "acme")
            #expect(record["teamId"] as? String == "fin")

            // The registration's scope chain governs: an org allow-list without `slow` refuses it.
            try await gateway.harness.adminOK(.PATCH, "/admin/orgs/acme", json: #"{"models":["fast"]}"#)
            let refused = try await gateway.harness.call("/v1/chat/completions", key: token, json: Self.chat.replacingOccurrences(of: "fast", with: "slow"))
            #expect(refused.status == 404, "\(refused.text)")  // answered like an unknown alias
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func refusalsAre401InTheInboundFormatWithoutTheToken() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let gateway = try await WorkloadGateway.start(cas: [ca], mtls: false)
        do {
            try await gateway.register("spiffe://prod/agent/a")
            let unregistered = try await ca.jwtSVID(subject: "spiffe://prod/agent/stranger")
            let unknown = try await gateway.harness.call("/v1/chat/completions", key: unregistered, json: Self.chat)
            #expect(unknown.status == 401)
            #expect(try unknown.errorCode() == "unknown_workload")
            #expect(try unknown.errorMessage().contains("spiffe://prod/agent/stranger"))

            let wrongAudience = try await ca.jwtSVID(subject: "spiffe://prod/agent/a", audience: ["someone-else"])
            let expired = try await ca.jwtSVID(subject: "spiffe://prod/agent/a", expiresIn: -600)
            let other = try WorkloadTestCA(trustDomain: "prod")  // same domain, key not in the bundle
            let foreign = try await other.jwtSVID(subject: "spiffe://prod/agent/a")
            for (token, reason) in [(wrongAudience, "audience"), (expired, "expired"), (foreign, "kid")] {
                let reply = try await gateway.harness.call("/v1/chat/completions", key: token, json: Self.chat)
                #expect(reply.status == 401, "\(reason): \(reply.text)")
                #expect(try reply.errorCode() == "invalid_svid")
                #expect(try reply.errorMessage().contains(reason), "\(reply.text)")
                #expect(!reply.text.contains(token))
            }
            // Anthropic route: its own error shape.
            let anthropic = try await gateway.harness.send(
                .POST, "/v1/messages", body: Array(#"{"model":"fast","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#.utf8),
                headers: [("x-api-key", expired), ("anthropic-version", "2023-06-01")])
            #expect(anthropic.status == 401)
            #expect(try anthropic.json()["type"] as? String == "error", "\(anthropic.text)")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func anEmptyBundleRevokesTheTrustDomainOnReload() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let gateway = try await WorkloadGateway.start(cas: [ca], mtls: false)
        do {
            try await gateway.register("spiffe://prod/agent/a")
            let token = try await ca.jwtSVID(subject: "spiffe://prod/agent/a")
            #expect(try await gateway.harness.call("/v1/chat/completions", key: token, json: Self.chat).status == 200)
            try ca.writeBundle(into: gateway.bundleDirectory, empty: true)
            // The watcher polls every 0.2 s: wait (bounded) for the refusal.
            let deadline = ContinuousClock.now + .seconds(10)
            var last = 0
            while ContinuousClock.now < deadline {
                let reply = try await gateway.harness.call("/v1/chat/completions", key: token, json: Self.chat)
                last = reply.status
                if last == 401 {
                    #expect(try reply.errorMessage().contains("revoked"), "\(reply.text)")
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(last == 401)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
