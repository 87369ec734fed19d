import SQLiteNIO

/// Versioned schema migrations for the embedded store. Append new versions; never edit old ones.
enum SQLiteMigrations {
    struct Migration {
        let version: Int
        let statements: [String]
        /// Runs after `statements`, in the same transaction: a fill that needs Swift (exact
        /// `Money` parsing) rather than SQL.
        var backfill: (@Sendable (SQLiteConnection) async throws -> Void)? = nil
    }

    static let all: [Migration] = [
        Migration(version: 1, statements: [
            """
            CREATE TABLE entities (
              kind TEXT NOT NULL, id TEXT NOT NULL, document BLOB NOT NULL, updated_at REAL NOT NULL,
              PRIMARY KEY (kind, id))
            """,
            "CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
            """
            CREATE TABLE call_records (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              request_id TEXT NOT NULL UNIQUE, started_at REAL NOT NULL,
              key_id TEXT, key_prefix TEXT, org_id TEXT, team_id TEXT, project_id TEXT,
              endpoint TEXT NOT NULL, alias TEXT, provider TEXT, deployment TEXT, upstream_model TEXT,
              status INTEGER NOT NULL, outcome TEXT NOT NULL, error_class TEXT,
              prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
              latency_ms REAL NOT NULL, ttft_ms REAL, streamed INTEGER NOT NULL, attempts TEXT NOT NULL)
            """,
            "CREATE INDEX call_records_started ON call_records (started_at)",
            "CREATE INDEX call_records_key ON call_records (key_id, started_at)",
        ]),
        Migration(version: 2, statements: [
            "ALTER TABLE call_records ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]'",
        ]),
        // The admin audit trail: every field kept as given (`at_ref` is the Date's own
        // reference-date seconds), so the hash chain re-computes from the stored row. The
        // cost columns were missing from call records: spend replay after a restart needs them.
        Migration(version: 3, statements: [
            """
            CREATE TABLE admin_audit (
              sequence INTEGER PRIMARY KEY, at_ref REAL NOT NULL,
              actor TEXT NOT NULL, channel TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
              before TEXT, after TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX admin_audit_actor ON admin_audit (actor, sequence)",
            "CREATE INDEX admin_audit_action ON admin_audit (action, sequence)",
            "CREATE INDEX admin_audit_target ON admin_audit (target)",
            "CREATE INDEX admin_audit_at ON admin_audit (at_ref)",
            "ALTER TABLE call_records ADD COLUMN cost_usd TEXT",
            "ALTER TABLE call_records ADD COLUMN price_version TEXT",
        ]),
        // A workload's call carries its AgentPolicy decision (identity, policy, version, rule).
        Migration(version: 4, statements: [
            "ALTER TABLE call_records ADD COLUMN policy TEXT",
        ]),
        // A stream that ended early is billed on the gateway's estimate, and its record says so.
        Migration(version: 5, statements: [
            "ALTER TABLE call_records ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0",
        ]),
        // The call-record chain: each durable batch gets a keyed link (`evidence_chain`), and each
        // record names its batch (`chain_link`; NULL: not chained, which the verifier reports).
        Migration(version: 6, statements: [
            "ALTER TABLE call_records ADD COLUMN chain_link INTEGER",
            "CREATE INDEX call_records_chain ON call_records (chain_link, seq)",
            """
            CREATE TABLE evidence_chain (
              sequence INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, first_row INTEGER NOT NULL, last_row INTEGER NOT NULL,
              row_count INTEGER NOT NULL, columns TEXT NOT NULL, digest TEXT NOT NULL, previous_mac TEXT NOT NULL, mac TEXT NOT NULL)
            """,
        ]),
        // Usage is summed in SQL (`SQLiteStore+Usage`): each record's cost as exact nano-dollars,
        // filled on insert and here from `cost_usd`. A derived column, outside the evidence chain
        // (`CallRecordColumns.names`, which the chain digests, is unchanged).
        Migration(
            version: 7, statements: ["ALTER TABLE call_records ADD COLUMN cost_nanos INTEGER"],
            backfill: SQLiteStore.backfillCostNanos),
    ]
}
