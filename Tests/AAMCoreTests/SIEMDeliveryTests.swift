import AAMCore
import Foundation
import Testing

@Suite("SIEM backlog, backoff and wire formats")
struct SIEMDeliveryTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("events leave the backlog only when acknowledged, in order; failures keep them at the head")
    func atLeastOnce() {
        var backlog = SIEMBacklog<Int>(capacity: 10)
        for n in 1...5 { backlog.append(n, at: Self.start.addingTimeInterval(Double(n))) }
        #expect(backlog.peek(3) == [1, 2, 3])
        backlog.recordFailure("connection refused")
        #expect(backlog.peek(3) == [1, 2, 3])
        #expect(backlog.stats(name: "s", at: Self.start.addingTimeInterval(11)).lagSeconds == 10)
        backlog.acknowledge(3)
        #expect(backlog.peek(10) == [4, 5])
        let stats = backlog.stats(name: "s", at: Self.start.addingTimeInterval(11))
        #expect(stats == SIEMSinkStats(name: "s", backlog: 2, capacity: 10, lagSeconds: 7, delivered: 3, failures: 1, dropped: 0, lastError: nil))
        backlog.acknowledge(2)
        #expect(backlog.stats(name: "s", at: Self.start.addingTimeInterval(99)).lagSeconds == 0)
    }

    @Test("a full backlog keeps the oldest and counts each newcomer as dropped")
    func overflow() {
        var backlog = SIEMBacklog<Int>(capacity: 3)
        let accepted = (1...5).map { backlog.append($0, at: Self.start) }
        #expect(accepted == [true, true, true, false, false])
        #expect(backlog.peek(10) == [1, 2, 3])
        #expect(backlog.dropped == 2)
        backlog.reject(1, reason: "HTTP 400")
        #expect(backlog.dropped == 3)
        #expect(backlog.peek(10) == [2, 3])
        #expect(backlog.lastError == "HTTP 400")
    }

    @Test("the backlog compacts without losing order over many cycles")
    func compaction() {
        var backlog = SIEMBacklog<Int>(capacity: 5000)
        var next = 0
        var expected = 0
        for _ in 0..<50 {
            for _ in 0..<300 { backlog.append(next, at: Self.start); next += 1 }
            let batch = backlog.peek(250)
            #expect(batch == Array(expected..<(expected + 250)))
            backlog.acknowledge(250)
            expected += 250
        }
        #expect(backlog.count == next - expected)
        #expect(backlog.delivered == expected)
    }

    @Test("backoff doubles from the initial delay up to the cap, jittered within its upper half")
    func backoff() {
        let backoff = SIEMBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        let low = SeededZero()
        #expect(backoff.delay(afterFailures: 1, random: low) == .milliseconds(50))
        #expect(backoff.delay(afterFailures: 3, random: low) == .milliseconds(200))
        #expect(backoff.delay(afterFailures: 30, random: low) == .milliseconds(500))
        let random = SeededRandomSource(seed: 7)
        for failures in 1...12 {
            let delay = backoff.delay(afterFailures: failures, random: random)
            let ceiling = min(1.0, 0.1 * pow(2, Double(failures - 1)))
            #expect(delay >= .seconds(ceiling / 2) && delay <= .seconds(ceiling))
        }
    }

    static let event = SIEMEvent(
        kind: .guardrail, time: Date(timeIntervalSince1970: 1_800_000_000.25), severityID: 3, requestID: #"r"1]"#,
        body: .object([("class_uid", .int(2004)), ("x", .string("é"))]))

    @Test("RFC 5424 message with structured data, framed by octet counting")
    func syslog() {
        let syslog = SyslogMessage(hostname: "gw 1", processID: "42")
        let message = syslog.message(for: Self.event)
        #expect(message == #"<108>1 2027-01-15T08:00:00.250Z gw1 aam 42 guardrail [aam@32473 class_uid="2004" severity_id="3" request_id="r\"1\]"] {"class_uid":2004,"x":"é"}"#)
        let frame = syslog.frame(for: Self.event)
        #expect(frame == Array("\(message.utf8.count) \(message)".utf8))
        #expect(message.utf8.count == message.count + 1)
        #expect(SyslogMessage.timestamp(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test("HEC envelope: epoch seconds with milliseconds, host, source, sourcetype, event")
    func hec() {
        let envelope = HECEnvelope(host: "gw1")
        #expect(envelope.object(for: Self.event) == #"{"time":1800000000.250,"host":"gw1","source":"aam","sourcetype":"aam:ocsf","event":{"class_uid":2004,"x":"é"}}"#)
        let body = String(decoding: envelope.body(for: [Self.event, Self.event]), as: UTF8.self)
        #expect(body.split(separator: "\n").count == 2)
    }
}

/// A random source that always says 0 (the lower edge of every jitter range).
private struct SeededZero: RandomSource {
    func nextUnit() -> Double { 0 }
}
