import AAMCore
import AAMServer
import Foundation
import Testing

/// `GET /metrics` after real traffic through the real gateway on loopback.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    /// Scrapes until `condition` holds (metrics are folded from the bus, just after each call).
    static func scrape(_ gateway: GatewayHarness, until condition: (String) -> Bool, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while ContinuousClock.now < deadline {
            let reply = try await gateway.send(.GET, "/metrics")
            #expect(reply.status == 200)
            text = reply.text
            if condition(text) { return text }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition never held; last scrape:\n\(text)")
        return text
    }

    /// The value of the sample line that starts with `series` (`name{labels}`), if present.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("requests, tokens, latency histograms, attempts and health after real calls; no admin token needed")
    func afterTraffic() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            for _ in 0..<3 { try await gateway.expectServed(.chat, model: "fast", key: key.secret) }
            try await gateway.expectServed(.messages, model: "fast", key: key.secret)
            let unauthenticated = try await gateway.chat(.chat, model: "fast", key: nil)
            #expect(unauthenticated.status == 401)

            let text = try await Self.scrape(gateway) {
                Self.value($0, #"aam_requests_total{alias="fast",provider="sim",status="200",outcome="success"}"#) == 4
                    && Self.value($0, #"aam_requests_total{alias="none",provider="none",status="401",outcome="rejected"}"#) == 1
            }
            let reply = try await gateway.send(.GET, "/metrics")
            #expect(reply.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(Self.value(text, #"aam_request_duration_seconds_count{alias="fast"}"#) == 4)
            #expect(Self.value(text, #"aam_request_duration_seconds_bucket{alias="fast",le="+Inf"}"#) == 4)
            #expect(Self.value(text, #"aam_time_to_first_token_seconds_count{alias="fast"}"#) == 4)
            let completion = try #require(Self.value(text, #"aam_tokens_total{alias="fast",provider="sim",direction="completion"}"#))
            #expect(completion == 4 * 6)
            #expect((Self.value(text, #"aam_tokens_total{alias="fast",provider="sim",direction="prompt"}"#) ?? 0) > 0)
            let deployment = try #require(text.split(separator: "\n").first { $0.hasPrefix("aam_upstream_attempts_total{provider=\"sim\"") })
            #expect(deployment.hasSuffix(#"status="200"} 4"#))
            #expect(text.contains(#"state="closed"} 1"#))
            #expect(text.contains(#"state="open"} 0"#))
            #expect(Self.value(text, "aam_spool_backlog_records") == 0)
            #expect(Self.value(text, #"aam_events_dropped_total{subscriber="metrics"}"#) == 0)
            let started = try #require(Self.value(text, "process_start_time_seconds"))
            #expect(abs(started - Date().timeIntervalSince1970) < 3600)
        }
    }

    @Test("a key or secret sent as the model name, and the prompt, never appear in /metrics")
    func noSecretInLabels() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            let pastedSecret = "sk-proj-Zq8xLEAKEDvendorSECRET0123456789abcdef"
            let prompt = "unmistakable-prompt-text-4711"
            let unknownModel = try await gateway.call(
                "/v1/chat/completions", key: key.secret,
                json: #"{"model":"\#(pastedSecret)","messages":[{"role":"user","content":"\#(prompt)"}]}"#)
            #expect(unknownModel.status == 404)
            let ownKeyAsModel = try await gateway.chat(.chat, model: key.secret, key: key.secret)
            #expect(ownKeyAsModel.status == 404)
            let quoted = try await gateway.chat(.messages, model: #"evil\"}\nfake_metric 1"#, key: key.secret)
            #expect(quoted.status == 404 || quoted.status == 400)
            try await gateway.expectServed(.chat, model: "fast", key: key.secret)

            let text = try await Self.scrape(gateway) {
                Self.value($0, #"aam_requests_total{alias="unknown",provider="none",status="404",outcome="rejected"}"#) ?? 0 >= 2
                    && Self.value($0, #"aam_requests_total{alias="fast",provider="sim",status="200",outcome="success"}"#) == 1
            }
            for forbidden in [pastedSecret, key.secret, String(key.secret.prefix(20)), prompt, "fake_metric", "LEAKED", GatewayHarness.adminToken] {
                #expect(!text.contains(forbidden), "'\(forbidden)' leaked into /metrics")
            }
            // Every alias label value is a configured alias or a fixed word.
            let aliasValues = Set(text.matches(of: /alias="([^"]*)"/).map { String($0.output.1) })
            #expect(aliasValues.isSubset(of: ["fast", "unknown", "none"]), "\(aliasValues)")
        }
    }

    @Test("guardrail hits by detector, direction and action; the spool backlog gauge reads its source")
    func guardrailsAndSpool() async throws {
        try await withGateway { gateway in
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            try await gateway.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"request":{"email":"redact","api_key":"block"}}"#)
            try await gateway.expectServed(.chat, model: "fast", key: key.secret)
            let redacted = try await gateway.call(
                "/v1/chat/completions", key: key.secret,
                json: #"{"model":"fast","messages":[{"role":"user","content":"mail alice@example.com and bob@example.org"}]}"#)
            #expect(redacted.status == 200)
            let blocked = try await gateway.call(
                "/v1/chat/completions", key: key.secret,
                json: #"{"model":"fast","messages":[{"role":"user","content":"my key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"}]}"#)
            #expect(blocked.status == 400)
            gateway.gateway.setEvidenceBacklogSource(FixedBacklog(backlogRecords: 42, backlogBytes: 4200))
            let text = try await Self.scrape(gateway) {
                Self.value($0, #"aam_guardrail_hits_total{detector="email",direction="request",action="redact"}"#) == 2
                    && Self.value($0, #"aam_guardrail_hits_total{detector="api_key",direction="request",action="block"}"#) == 1
            }
            #expect(Self.value(text, "aam_spool_backlog_records") == 42)
            #expect(Self.value(text, "aam_spool_backlog_bytes") == 4200)
            #expect(!text.contains("alice@example.com"))
        }
    }
}

private struct FixedBacklog: EvidenceBacklogSource {
    var backlogRecords: Int
    var backlogBytes: Int
}
