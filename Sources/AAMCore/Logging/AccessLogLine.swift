import Foundation

/// One access-log line per finished call, the line an operator greps or ships: who called
/// (key or workload, scope), what (endpoint, alias, where it went), how it ended (status,
/// outcome, error class), how long and how much (latency, time to first token, tokens, cost).
/// Built from the call record, so it never holds prompt or completion text, a key's secret or a
/// credential: only the key's id and public prefix.
public enum AccessLogLine {
    /// The members in the order written; the text form uses the same names.
    static func members(_ record: CallRecord) -> [(String, Value)] {
        let finished = record.startedAt.addingTimeInterval(record.latencyMs / 1000)
        var members: [(String, Value)] = [
            ("ts", .string(LogTimestamp.utcMillis(finished))), ("msg", .string("access")), ("request_id", .string(record.requestId)),
            ("endpoint", .string(record.endpoint)),
        ]
        func add(_ name: String, _ value: String?) { if let value { members.append((name, .string(value))) } }
        add("key_id", record.keyId)
        add("key_prefix", record.keyPrefix)
        add("workload", record.policy?.spiffeId)
        add("org", record.orgId)
        add("team", record.teamId)
        add("project", record.projectId)
        add("alias", record.alias)
        add("provider", record.provider)
        add("deployment", record.deployment)
        add("model", record.upstreamModel)
        members.append(("status", .int(record.status)))
        members.append(("outcome", .string(record.outcome.rawValue)))
        add("error_class", record.errorClass)
        members.append(("latency_ms", .double(Self.roundedMillis(record.latencyMs))))
        if let ttft = record.ttftMs { members.append(("ttft_ms", .double(Self.roundedMillis(ttft)))) }
        members.append(("prompt_tokens", .int(record.promptTokens)))
        members.append(("completion_tokens", .int(record.completionTokens)))
        if record.usageEstimated { members.append(("usage_estimated", .bool(true))) }
        add("cost_usd", record.costUSD)
        members.append(("streamed", .bool(record.streamed)))
        members.append(("attempts", .int(record.attempts.count)))
        return members
    }

    enum Value {
        case string(String), int(Int), double(Double), bool(Bool)
    }

    /// One JSON object and a newline.
    public static func json(_ record: CallRecord) -> [UInt8] {
        var writer = JSONLineWriter(capacity: 512)
        for (name, value) in members(record) {
            switch value {
            case .string(let text): writer.member(name, text)
            case .int(let number): writer.member(name, number)
            case .double(let number): writer.member(name, number)
            case .bool(let flag): writer.member(name, flag)
            }
        }
        return writer.line()
    }

    /// `name=value` pairs (logfmt) and a newline; a value with a space, quote, `=` or control
    /// character is quoted and escaped, so a hostile alias or model name cannot forge a field.
    public static func text(_ record: CallRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        for (index, (name, value)) in members(record).enumerated() {
            if index > 0 { out.append(UInt8(ascii: " ")) }
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: "="))
            switch value {
            case .string(let text): LogfmtValue.write(text, into: &out)
            case .int(let number): out.append(contentsOf: String(number).utf8)
            case .double(let number): out.append(contentsOf: (number.isFinite ? number.description : "0").utf8)
            case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
            }
        }
        out.append(0x0A)
        return out
    }

    /// Milliseconds to three decimals (microseconds): enough for any latency, and a line does
    /// not carry `12.345678901234`.
    static func roundedMillis(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// A logfmt value: bare when it is plain, else a JSON-style quoted string.
enum LogfmtValue {
    static func write(_ value: String, into out: inout [UInt8]) {
        let plain = !value.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") && $0 != 0x7F }
        if plain { out.append(contentsOf: value.utf8) } else { JSONStringLiteral.write(value, into: &out) }
    }
}
