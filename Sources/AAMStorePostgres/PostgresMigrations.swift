import Foundation
import PostgresNIO

/// Versioned schema migrations for the Postgres store. Append new versions; never edit old ones.
///
/// Call records and audit entries keep the columns that queries filter on next to the whole
/// record (`record`, the call record's JSON, as text: `record::jsonb` queries it, and not
/// parsing it on insert makes a batch ~8x cheaper; every field for audit entries, which
/// `aam audit verify` re-hashes and so must come back bit for bit).
enum PostgresMigrations {
    struct Migration {
        let version: Int
        let statements: [String]
    }

    /// Serializes concurrent opens (two daemons, parallel tests) while they migrate.
    static let advisoryLock: Int64 = 0x4141_4D5F_5354_4F52  // "AAM_STOR"

    static let all: [Migration] = [
        Migration(version: 1, statements: [
            """
            CREATE TABLE entities (
              kind text NOT NULL, id text NOT NULL, document bytea NOT NULL,
              updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (kind, id))
            """,
            "CREATE TABLE server_secrets (name text PRIMARY KEY, value bytea NOT NULL)",
            """
            CREATE TABLE call_records (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              request_id text NOT NULL UNIQUE,
              started_at double precision NOT NULL,
              key_id text, org_id text, team_id text, project_id text, alias text, provider text,
              status integer NOT NULL, outcome text NOT NULL,
              record text NOT NULL)
            """,
            "CREATE INDEX call_records_started ON call_records (started_at, seq)",
            "CREATE INDEX call_records_key ON call_records (key_id, started_at)",
            "CREATE INDEX call_records_scope ON call_records (org_id, team_id, project_id, started_at)",
            """
            CREATE TABLE admin_audit (
              sequence bigint PRIMARY KEY,
              at timestamptz NOT NULL,
              at_ref double precision NOT NULL,
              actor text NOT NULL, channel text NOT NULL, action text NOT NULL, target text NOT NULL,
              before text, after text, previous_hash text NOT NULL, hash text NOT NULL)
            """,
            "CREATE INDEX admin_audit_actor ON admin_audit (actor, sequence)",
            "CREATE INDEX admin_audit_action ON admin_audit (action, sequence)",
            "CREATE INDEX admin_audit_target ON admin_audit (target text_pattern_ops)",
            "CREATE INDEX admin_audit_at ON admin_audit (at_ref)",
        ]),
        // The call-record chain: each durable batch gets a keyed link (`evidence_chain`), and each
        // record names its batch (`chain_link`; NULL: not chained, which the verifier reports).
        Migration(version: 2, statements: [
            "ALTER TABLE call_records ADD COLUMN chain_link bigint",
            "CREATE INDEX call_records_chain ON call_records (chain_link, seq)",
            """
            CREATE TABLE evidence_chain (
              sequence bigint PRIMARY KEY, at_ms bigint NOT NULL, first_row bigint NOT NULL, last_row bigint NOT NULL,
              row_count bigint NOT NULL, columns text NOT NULL, digest text NOT NULL, previous_mac text NOT NULL, mac text NOT NULL)
            """,
        ]),
        // Several replicas on one database (`PostgresStore+Cluster`): a versioned change feed that
        // every write to `entities` (and to the `pricing` server secret) appends to, announced by
        // NOTIFY on `aam_config` when the writing transaction commits; and the replica registry
        // the heartbeats keep current. The feed holds names, not documents: a follower reads the
        // entity as it is now, so it converges on the stored state whatever it missed.
        Migration(version: 3, statements: [
            """
            CREATE TABLE config_changes (
              version bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL, id text NOT NULL,
              at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE FUNCTION aam_entity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE row_kind text; row_id text; new_version bigint;
            BEGIN
              IF TG_OP = 'DELETE' THEN row_kind := OLD.kind; row_id := OLD.id; ELSE row_kind := NEW.kind; row_id := NEW.id; END IF;
              INSERT INTO config_changes (kind, id) VALUES (row_kind, row_id) RETURNING version INTO new_version;
              PERFORM pg_notify('aam_config', new_version::text);
              RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER entities_feed AFTER INSERT OR UPDATE OR DELETE ON entities FOR EACH ROW EXECUTE FUNCTION aam_entity_changed()",
            """
            CREATE FUNCTION aam_pricing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE new_version bigint;
            BEGIN
              INSERT INTO config_changes (kind, id) VALUES ('pricing', 'pricing') RETURNING version INTO new_version;
              PERFORM pg_notify('aam_config', new_version::text);
              RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER pricing_feed AFTER INSERT OR UPDATE ON server_secrets FOR EACH ROW
            WHEN (NEW.name = 'pricing') EXECUTE FUNCTION aam_pricing_changed()
            """,
            """
            CREATE TABLE replicas (
              id text PRIMARY KEY, instance text NOT NULL, version text NOT NULL, listen text NOT NULL,
              started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL,
              config_version bigint NOT NULL DEFAULT 0, feed_lag_ms bigint NOT NULL DEFAULT 0, leases integer NOT NULL DEFAULT 0)
            """,
        ]),
        // Usage is summed in SQL (`PostgresStore+Usage`): each record's cost as exact nano-dollars
        // and its token counts, filled on insert and here from the stored JSON. Derived columns,
        // outside the evidence chain (`chainColumns` is unchanged; `record` stays the evidence).
        Migration(version: 4, statements: [
            "ALTER TABLE call_records ADD COLUMN cost_nanos bigint, ADD COLUMN prompt_tokens bigint, ADD COLUMN completion_tokens bigint",
            PostgresStore.usageBackfill,
        ]),
        // Budgets across replicas (`PostgresStore+BudgetLeases`): per budget window the spend the
        // replicas reported (`budget_windows`) and the slice each replica holds (`budget_leases`).
        // `settled + every lease <= limit` holds after every call of `aam_budget_lease`, which
        // does one renewal atomically under the window row's lock; see that file for the rules.
        Migration(version: 5, statements: [
            """
            CREATE TABLE budget_windows (
              budget_key text NOT NULL, window_start double precision NOT NULL, window_end double precision NOT NULL,
              settled_usd bigint NOT NULL DEFAULT 0, settled_tokens bigint NOT NULL DEFAULT 0,
              PRIMARY KEY (budget_key, window_start))
            """,
            """
            CREATE TABLE budget_leases (
              budget_key text NOT NULL, window_start double precision NOT NULL, replica text NOT NULL,
              lease_usd bigint NOT NULL DEFAULT 0, lease_tokens bigint NOT NULL DEFAULT 0,
              seq bigint NOT NULL DEFAULT 0, granted_usd bigint NOT NULL DEFAULT 0, granted_tokens bigint NOT NULL DEFAULT 0,
              renewed_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (budget_key, window_start, replica))
            """,
            "CREATE INDEX budget_leases_replica ON budget_leases (replica)",
            PostgresStore.budgetLeaseFunction,
        ]),
        // Rate limits across replicas (`PostgresStore+RateLeases`): one GCRA bucket per key,
        // drained on the database's clock, from which replicas lease units.
        Migration(version: 6, statements: [
            """
            CREATE TABLE rate_buckets (
              rate_key text PRIMARY KEY, level numeric NOT NULL DEFAULT 0, updated_us bigint NOT NULL)
            """,
            PostgresStore.rateLeaseFunction,
        ]),
    ]
}

extension PostgresStore {
    /// Applies pending migrations in one transaction under an advisory lock; a reopen finds
    /// every version applied and changes nothing.
    func migrate() async throws {
        let logger = self.logger
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.advisoryLock))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                var applied: Set<Int> = []
                for try await version in try await connection.query("SELECT version::int8 FROM schema_migrations", logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
