import AAMCore
import Foundation
import SQLiteNIO

/// Maps `CallRecord` to and from the `call_records` columns.
enum CallRecordColumns {
    static let names = """
        request_id, started_at, key_id, key_prefix, org_id, team_id, project_id, endpoint, alias, provider, \
        deployment, upstream_model, status, outcome, error_class, prompt_tokens, completion_tokens, latency_ms, \
        ttft_ms, streamed, attempts, guardrails, cost_usd, price_version, policy, usage_estimated
        """
    /// Number of columns in `names` (placeholders per row).
    static let count = 26

    static func binds(_ record: CallRecord) -> [SQLiteData] {
        func text(_ value: String?) -> SQLiteData { value.map(SQLiteData.text) ?? .null }
        let attempts = CallRecordJSONFields.attempts(record.attempts)
        let guardrails = CallRecordJSONFields.guardrails(record.guardrails)
        let policy = record.policy.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        return [
            .text(record.requestId), .float(record.startedAt.timeIntervalSince1970), text(record.keyId),
            text(record.keyPrefix), text(record.orgId), text(record.teamId), text(record.projectId),
            .text(record.endpoint), text(record.alias), text(record.provider), text(record.deployment),
            text(record.upstreamModel), .integer(record.status), .text(record.outcome.rawValue),
            text(record.errorClass), .integer(record.promptTokens), .integer(record.completionTokens),
            .float(record.latencyMs), record.ttftMs.map(SQLiteData.float) ?? .null,
            .integer(record.streamed ? 1 : 0), .text(attempts), .text(guardrails), text(record.costUSD), text(record.priceVersion),
            text(policy), .integer(record.usageEstimated ? 1 : 0),
        ]
    }

    static func record(_ row: SQLiteRow) -> CallRecord? {
        guard let requestId = row.column("request_id")?.string, let started = row.column("started_at")?.double,
            let endpoint = row.column("endpoint")?.string, let status = row.column("status")?.integer,
            let outcomeName = row.column("outcome")?.string, let outcome = CallRecord.Outcome(rawValue: outcomeName)
        else { return nil }
        func text(_ name: String) -> String? { row.column(name)?.string }
        let attempts = text("attempts").flatMap { try? JSONDecoder().decode([CallRecord.Attempt].self, from: Data($0.utf8)) } ?? []
        let guardrails = text("guardrails").flatMap { try? JSONDecoder().decode([GuardrailDecision].self, from: Data($0.utf8)) } ?? []
        let ttft = row.column("ttft_ms").flatMap { $0.isNull ? nil : $0.double }
        var record = CallRecord(
            requestId: requestId, startedAt: Date(timeIntervalSince1970: started), keyId: text("key_id"),
            keyPrefix: text("key_prefix"), orgId: text("org_id"), teamId: text("team_id"), projectId: text("project_id"),
            endpoint: endpoint, alias: text("alias"), provider: text("provider"), deployment: text("deployment"),
            upstreamModel: text("upstream_model"), status: status, outcome: outcome, errorClass: text("error_class"),
            promptTokens: row.column("prompt_tokens")?.integer ?? 0,
            completionTokens: row.column("completion_tokens")?.integer ?? 0,
            latencyMs: row.column("latency_ms")?.double ?? 0, ttftMs: ttft,
            streamed: (row.column("streamed")?.integer ?? 0) != 0, attempts: attempts, guardrails: guardrails)
        record.costUSD = text("cost_usd")
        record.priceVersion = text("price_version")
        record.policy = text("policy").flatMap { try? JSONDecoder().decode(PolicyEvidence.self, from: Data($0.utf8)) }
        record.usageEstimated = (row.column("usage_estimated")?.integer ?? 0) != 0
        return record
    }
}
