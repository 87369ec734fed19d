import Foundation
import Testing

@testable import AAMCore

/// The access-log line of one call: every field an operator greps for, real JSON types, and
/// nothing a caller could use to forge a field or that should never leave the gateway.
@Suite("Access log line")
struct AccessLogLineTests {
    static func record() -> CallRecord {
        var record = CallRecord(
            requestId: "req-1", startedAt: Date(timeIntervalSince1970: 1_796_000_000.25), keyId: "demo-key", keyPrefix: "sk-aam-Ab12",
            orgId: "acme", teamId: "platform", endpoint: "/v1/chat/completions", alias: "fast", provider: "sim-openai-east",
            deployment: "fast-east", upstreamModel: "gpt-4o-mini", status: 200, outcome: .success, promptTokens: 12, completionTokens: 30,
            latencyMs: 41.2345678, ttftMs: 9.5, streamed: true,
            attempts: [.init(deployment: "fast-east", provider: "sim-openai-east", status: 200, errorClass: nil, latencyMs: 40)])
        record.costUSD = "0.000123"
        return record
    }

    @Test func theJSONLineCarriesEachFieldWithItsRealType() throws {
        let line = AccessLogLine.json(Self.record())
        #expect(line.last == 0x0A, "one object per line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-30T00:53:20.291Z", "finish time: start + latency, UTC, milliseconds")
        #expect(object["msg"] as? String == "access")
        #expect(object["request_id"] as? String == "req-1")
        #expect(object["key_id"] as? String == "demo-key" && object["key_prefix"] as? String == "sk-aam-Ab12")
        #expect(object["org"] as? String == "acme" && object["team"] as? String == "platform" && object["project"] == nil)
        #expect(object["alias"] as? String == "fast" && object["provider"] as? String == "sim-openai-east" && object["model"] as? String == "gpt-4o-mini")
        #expect(object["status"] as? Int == 200 && object["outcome"] as? String == "success")
        #expect(object["latency_ms"] as? Double == 41.235 && object["ttft_ms"] as? Double == 9.5)
        #expect(object["prompt_tokens"] as? Int == 12 && object["completion_tokens"] as? Int == 30)
        #expect(object["cost_usd"] as? String == "0.000123", "the exact decimal, not a float")
        #expect(object["streamed"] as? Bool == true && object["attempts"] as? Int == 1)
        #expect(object["error_class"] == nil && object["workload"] == nil, "absent, not null")
    }

    @Test func theTextLineIsLogfmtAndQuotesWhatCouldForgeAField() {
        var record = Self.record()
        record.alias = "evil status=500 outcome=\"x\""
        record.errorClass = "rate_limited"
        let text = String(decoding: AccessLogLine.text(record), as: UTF8.self)
        #expect(text.hasPrefix("ts=2026-11-30T00:53:20.291Z msg=access request_id=req-1 endpoint=/v1/chat/completions key_id=demo-key"))
        #expect(text.contains(#" alias="evil status=500 outcome=\"x\"" "#), "quoted and escaped: \(text)")
        #expect(text.contains(" status=200 outcome=success error_class=rate_limited latency_ms=41.235 ttft_ms=9.5 prompt_tokens=12"))
        #expect(text.hasSuffix(" streamed=true attempts=1\n"))
        #expect(text.components(separatedBy: "\n").count == 2, "a newline in a value cannot split the line")
    }

    @Test func aWorkloadCallNamesItsIdentity() throws {
        var record = Self.record()
        record.keyId = nil
        record.keyPrefix = nil
        record.policy = PolicyEvidence(
            spiffeId: "spiffe://acme.example/agents/finance", kind: "model", decision: "allow", policy: "finance", version: 1, rule: nil, reason: nil,
            at: record.startedAt)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(AccessLogLine.json(record))) as? [String: Any])
        #expect(object["workload"] as? String == "spiffe://acme.example/agents/finance")
        #expect(object["key_id"] == nil)
    }

    @Test func aNewlineInAValueStaysInsideTheLine() {
        var record = Self.record()
        record.upstreamModel = "a\nmsg=forged"
        let text = String(decoding: AccessLogLine.text(record), as: UTF8.self)
        #expect(text.components(separatedBy: "\n").count == 2)
        #expect(text.contains(#"model="a\nmsg=forged""#))
        let json = String(decoding: AccessLogLine.json(record), as: UTF8.self)
        #expect(json.components(separatedBy: "\n").count == 2)
    }
}

@Suite("Log timestamps and JSON lines")
struct LogTimestampTests {
    @Test func utcWithMillisecondsPaddedAndFloored() {
        #expect(LogTimestamp.utcMillis(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(LogTimestamp.utcMillis(Date(timeIntervalSince1970: 1_796_000_000.0999)) == "2026-11-30T00:53:20.099Z")
        #expect(LogTimestamp.utcMillis(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z", "leap day")
        #expect(LogTimestamp.utcMillis(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z", "before the epoch floors")
    }

    @Test func theWriterMakesValidJSONWithRealTypes() throws {
        var writer = JSONLineWriter()
        writer.member("s", "a\"b\\c\u{1}")
        writer.member("i", -7)
        writer.member("d", 0.25)
        writer.member("nan", Double.nan)
        writer.member("b", false)
        writer.member("nested", json: Array(#"{"x":[1,2]}"#.utf8))
        writer.member("absent", ifPresent: String?.none)
        let line = writer.line()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["s"] as? String == "a\"b\\c\u{1}")
        #expect(object["i"] as? Int == -7 && object["d"] as? Double == 0.25 && object["b"] as? Bool == false)
        #expect(object["nan"] is NSNull, "JSON has no NaN: null, not an unparseable line")
        #expect((object["nested"] as? [String: Any])?["x"] as? [Int] == [1, 2])
        #expect(object.keys.contains("absent") == false)
        #expect(String(decoding: line, as: UTF8.self).hasPrefix(#"{"s":"#), "members in the order written")
    }
}
