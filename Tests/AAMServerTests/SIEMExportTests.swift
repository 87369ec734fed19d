import AAMCore
import AAMServer
import AAMTesting
import Foundation
import Testing

/// SIEM export through the real gateway to real local receivers (TCP syslog, HEC over HTTP).
@Suite("SIEM export", .serialized)
struct SIEMExportTests {
    static let hecToken = "hec-token-4b1d-SECRET-9e2f"

    /// Fast retries so an outage and its recovery fit in a test.
    static func fastSIEM(_ siem: inout SIEMSettings) {
        siem.backoff = SIEMBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        siem.syslogSettleTime = .milliseconds(50)
        siem.batchSize = 50
        siem.hostname = "gw-test"
        siem.drainTimeout = .milliseconds(300)
    }

    static func start(syslog: SyslogReceiver? = nil, hec: HECReceiver? = nil, token: String = hecToken) async throws -> GatewayHarness {
        try await GatewayHarness.start { options in
            if let syslog { try? options.siem.setSyslogTarget("127.0.0.1:\(syslog.port)") }
            if let hec {
                options.siem.hecURL = hec.url
                options.siem.hecToken = SecretValue(token)
            }
            fastSIEM(&options.siem)
        }
    }

    /// `/admin/siem`'s entry for `sink`.
    static func sink(_ gateway: GatewayHarness, _ name: String) async throws -> [String: Any] {
        let view = try await gateway.adminOK(.GET, "/admin/siem")
        let sinks = try #require(view["sinks"] as? [[String: Any]])
        return try #require(sinks.first { $0["name"] as? String == name })
    }

    /// Polls `/admin/siem` until `condition` holds for `sink`.
    static func waitForSink(_ gateway: GatewayHarness, _ name: String, timeout: Duration = .seconds(20), _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await sink(gateway, name)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("sink \(name) never reached the condition: \(last)")
        return last
    }

    /// Sends `count` served calls and returns their request ids in order.
    static func calls(_ gateway: GatewayHarness, key: String, count: Int) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            let reply = try await gateway.expectServed(.chat, model: "fast", key: key)
            ids.append(reply.requestID())
        }
        return ids
    }

    /// The request ids in order of first appearance (at-least-once allows repeats).
    static func firstOccurrences(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    @Test("syslog: RFC 5424 over TCP with octet counting; call, admin and guardrail events in OCSF shape")
    func syslogShape() async throws {
        let receiver = try await SyslogReceiver.start()
        let gateway = try await Self.start(syslog: receiver)
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            try await gateway.adminOK(.PUT, "/admin/guardrails/org:acme", json: #"{"request":{"email":"redact"}}"#)
            let reply = try await gateway.call(
                "/v1/chat/completions", key: key.secret, json: #"{"model":"fast","messages":[{"role":"user","content":"write to carol@example.com"}]}"#)
            #expect(reply.status == 200)
            let requestID = reply.requestID()
            _ = try await receiver.waitForRecords(count: 1)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !receiver.records.contains(where: { $0.msgID == "call" }) { try await Task.sleep(for: .milliseconds(20)) }
            let records = receiver.records
            #expect(receiver.malformed.isEmpty)
            let call = try #require(records.first { $0.msgID == "call" })
            #expect(call.version == 1)
            #expect(call.appName == "aam")
            #expect(call.hostname == "gw-test")
            #expect(call.priority == 13 * 8 + 6)
            #expect(call.procID == String(ProcessInfo.processInfo.processIdentifier))
            #expect(call.parameter("request_id") == requestID)
            #expect(call.parameter("class_uid") == "6003")
            let json = try #require(call.json)
            #expect(json["class_uid"] as? Int == 6003)
            #expect(json["category_uid"] as? Int == 6)
            #expect(json["decision"] as? String == "allowed")
            #expect(json["outcome"] as? String == "success")
            #expect((json["metadata"] as? [String: Any])?["correlation_uid"] as? String == requestID)
            #expect((json["actor"] as? [String: Any])?["uid"] as? String == key.id)
            #expect((json["resource"] as? [String: Any])?["name"] as? String == "fast")
            let guardrail = try #require(records.first { $0.msgID == "guardrail" })
            #expect(guardrail.parameter("request_id") == requestID)
            #expect((guardrail.json?["finding_info"] as? [String: Any])?["types"] as? [String] == ["email"])
            let admin = records.filter { $0.msgID == "admin" }.compactMap { ($0.json?["api"] as? [String: Any])?["operation"] as? String }
            #expect(Set(admin).isSuperset(of: ["key.create", "provider.create", "guardrail.put"]), "\(admin)")
            let everything = records.map(\.raw).joined(separator: "\n")
            for forbidden in [key.secret, "carol@example.com", GatewayHarness.adminToken] {
                #expect(!everything.contains(forbidden))
            }
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }

    @Test("syslog receiver down: backlog grows in /metrics and /admin/siem, then everything arrives in order")
    func syslogOutage() async throws {
        let receiver = try await SyslogReceiver.start()
        let gateway = try await Self.start(syslog: receiver)
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            let before = try await Self.calls(gateway, key: key.secret, count: 3)
            _ = try await Self.waitForSink(gateway, "syslog") { $0["backlog"] as? Int == 0 && ($0["delivered"] as? Int ?? 0) >= 3 }

            await receiver.stop()
            let during = try await Self.calls(gateway, key: key.secret, count: 25)
            let stalled = try await Self.waitForSink(gateway, "syslog") { ($0["backlog"] as? Int ?? 0) >= 25 && ($0["failures"] as? Int ?? 0) >= 2 }
            #expect((stalled["lagSeconds"] as? Double ?? 0) > 0)
            #expect(stalled["lastError"] as? String != nil)
            let metrics = try await MetricsEndpointTests.scrape(gateway) {
                (MetricsEndpointTests.value($0, #"aam_siem_backlog_events{sink="syslog"}"#) ?? 0) >= 25
            }
            #expect((MetricsEndpointTests.value(metrics, #"aam_siem_failures_total{sink="syslog"}"#) ?? 0) >= 2)
            #expect((MetricsEndpointTests.value(metrics, #"aam_siem_export_lag_seconds{sink="syslog"}"#) ?? 0) > 0)

            try await receiver.restart()
            let after = try await Self.calls(gateway, key: key.secret, count: 2)
            let drained = try await Self.waitForSink(gateway, "syslog") { $0["backlog"] as? Int == 0 }
            #expect(drained["dropped"] as? Int == 0)
            let expected = before + during + after
            let deadline = ContinuousClock.now + .seconds(10)
            var received: [String] = []
            while ContinuousClock.now < deadline {
                received = Self.firstOccurrences(receiver.records.filter { $0.msgID == "call" }.compactMap { $0.parameter("request_id") })
                if received.count >= expected.count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(received == expected, "missing: \(Set(expected).subtracting(received).count)")
            #expect(receiver.connectionCount >= 2)
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }

    @Test("HEC: token checked, Splunk envelope, 503s retried, refused connections retried, all delivered in order")
    func hecOutageAndFaults() async throws {
        let receiver = try await HECReceiver.start(token: Self.hecToken)
        let gateway = try await Self.start(hec: receiver)
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            let first = try await Self.calls(gateway, key: key.secret, count: 2)
            _ = try await Self.waitForSink(gateway, "hec") { $0["backlog"] as? Int == 0 && ($0["delivered"] as? Int ?? 0) >= 2 }
            let event = try #require(receiver.events.first { $0.event["class_uid"] as? Int == 6003 })
            #expect(event.source == "aam")
            #expect(event.sourceType == "aam:ocsf")
            #expect(event.host == "gw-test")
            let eventTime = try #require(event.time)
            #expect(abs(eventTime - Date().timeIntervalSince1970) < 600)
            #expect(receiver.refusedTokenCount == 0)

            receiver.failNext(3, status: 503)
            let throttled = try await Self.calls(gateway, key: key.secret, count: 2)
            _ = try await Self.waitForSink(gateway, "hec") { $0["backlog"] as? Int == 0 && ($0["failures"] as? Int ?? 0) >= 3 }

            await receiver.stop()
            let during = try await Self.calls(gateway, key: key.secret, count: 20)
            _ = try await Self.waitForSink(gateway, "hec") { ($0["backlog"] as? Int ?? 0) >= 20 && ($0["failures"] as? Int ?? 0) >= 5 }
            let metrics = try await MetricsEndpointTests.scrape(gateway) { (MetricsEndpointTests.value($0, #"aam_siem_backlog_events{sink="hec"}"#) ?? 0) >= 20 }
            #expect((MetricsEndpointTests.value(metrics, #"aam_siem_export_lag_seconds{sink="hec"}"#) ?? 0) > 0)
            try await receiver.restart()
            _ = try await Self.waitForSink(gateway, "hec") { $0["backlog"] as? Int == 0 }

            let expected = first + throttled + during
            let correlations: [String] = receiver.events.compactMap { event in
                let metadata = event.event["metadata"] as? [String: Any]
                return metadata?["correlation_uid"] as? String
            }
            let received = Self.firstOccurrences(correlations.filter { expected.contains($0) })
            #expect(received == expected)
            let view = try await gateway.admin(.GET, "/admin/siem")
            #expect(view.text.contains(#""hecTokenSet":true"#))
            #expect(!view.text.contains(Self.hecToken))
            #expect(!metrics.contains(Self.hecToken))
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }

    @Test("a full backlog keeps the oldest events, counts the newer ones as dropped, and delivers the kept ones")
    func overflow() async throws {
        let receiver = try await HECReceiver.start(token: Self.hecToken)
        let gateway = try await GatewayHarness.start { options in
            options.siem.hecURL = receiver.url
            options.siem.hecToken = SecretValue(Self.hecToken)
            options.siem.backlogCapacity = 5
            Self.fastSIEM(&options.siem)
        }
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            // Every event but the outage's calls (setup's admin changes, the first call's
            // unpriced-model event) must be out before the outage, or they take backlog slots.
            let warmUp = try await Self.calls(gateway, key: key.secret, count: 1)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !receiver.events.contains(where: { ($0.event["metadata"] as? [String: Any])?["correlation_uid"] as? String == warmUp[0] }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = try await Self.waitForSink(gateway, "hec") { $0["backlog"] as? Int == 0 }
            await receiver.stop()
            let during = try await Self.calls(gateway, key: key.secret, count: 9)
            let full = try await Self.waitForSink(gateway, "hec") { ($0["dropped"] as? Int ?? 0) >= 4 }
            #expect(full["backlog"] as? Int == 5)
            let metrics = try await MetricsEndpointTests.scrape(gateway) { (MetricsEndpointTests.value($0, #"aam_siem_dropped_total{sink="hec"}"#) ?? 0) >= 4 }
            #expect(MetricsEndpointTests.value(metrics, #"aam_siem_backlog_events{sink="hec"}"#) == 5)
            try await receiver.restart()
            _ = try await Self.waitForSink(gateway, "hec") { $0["backlog"] as? Int == 0 }
            let correlations: [String] = receiver.events.compactMap { event in
                let metadata = event.event["metadata"] as? [String: Any]
                return metadata?["correlation_uid"] as? String
            }
            #expect(Self.firstOccurrences(correlations.filter { during.contains($0) }) == Array(during.prefix(5)))
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }

    @Test("HEC refusing the token: events kept (never dropped) and retried with an alarm; the token is never shown")
    func hecWrongToken() async throws {
        let receiver = try await HECReceiver.start(token: "the-right-token")
        let gateway = try await Self.start(hec: receiver, token: Self.hecToken)
        do {
            try await gateway.addSimulatedAliases(["fast"])
            let key = try await gateway.issueKey()
            _ = try await Self.calls(gateway, key: key.secret, count: 2)
            let sink = try await Self.waitForSink(gateway, "hec") { ($0["failures"] as? Int ?? 0) >= 3 }
            #expect((sink["backlog"] as? Int ?? 0) >= 2)
            #expect(sink["dropped"] as? Int == 0)
            #expect((sink["lastError"] as? String)?.contains("AAM_SIEM_HEC_TOKEN") == true)
            #expect(receiver.events.isEmpty)
            #expect(receiver.refusedTokenCount >= 3)
            let view = try await gateway.admin(.GET, "/admin/siem")
            #expect(!view.text.contains(Self.hecToken))
            let unauthorized = try await gateway.admin(.GET, "/admin/siem", token: nil)
            #expect(unauthorized.status == 401)
        } catch {
            await gateway.stop()
            await receiver.stop()
            throw error
        }
        await gateway.stop()
        await receiver.stop()
    }
}
