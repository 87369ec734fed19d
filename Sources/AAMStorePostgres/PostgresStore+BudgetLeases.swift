import AAMCore
import Foundation
import PostgresNIO

/// Budget windows across replicas (schema 5). `aam_budget_lease` does one renewal of one
/// replica's slice of one window, atomically, under the window row's lock:
///
/// 1. Slices of other replicas not renewed for `ttl` seconds are charged in full to the
///    window's settled total and dropped (their replica is presumed dead; charging all of it
///    never lets the budget be overspent, and at most the unused part of a small slice is lost).
/// 2. A retry of a renewal already applied (same sequence) is answered again, unchanged.
/// 3. The reported spend moves from the replica's slice to the settled total (unless the slice
///    was reaped: then it was charged already, and `lost` says so).
/// 4. A release shrinks the slice; a grow is granted up to `limit − settled − every slice`.
///
/// So `settled + every slice <= limit` after each call (a budget lowered below what is held
/// grants nothing more until spend settles), and no replica can spend past its slice.
extension PostgresStore: BudgetLeaseStore {
    static let budgetLeaseFunction = """
        CREATE FUNCTION aam_budget_lease(
          p_key text, p_start double precision, p_end double precision, p_replica text, p_seq bigint,
          p_report_usd bigint, p_report_tokens bigint, p_grow_usd bigint, p_grow_tokens bigint, p_release_usd bigint, p_release_tokens bigint,
          p_limit_usd bigint, p_limit_tokens bigint, p_ttl double precision,
          OUT lease_usd bigint, OUT lease_tokens bigint, OUT granted_usd bigint, OUT granted_tokens bigint,
          OUT settled_usd bigint, OUT settled_tokens bigint, OUT others_usd bigint, OUT others_tokens bigint, OUT lost boolean)
        LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        DECLARE
          s_usd bigint; s_tok bigint; r_usd bigint; r_tok bigint; o_usd bigint; o_tok bigint;
          m_usd bigint; m_tok bigint; m_seq bigint; m_gusd bigint; m_gtok bigint; have boolean;
          g_usd bigint := 0; g_tok bigint := 0;
        BEGIN
          INSERT INTO budget_windows AS bw (budget_key, window_start, window_end) VALUES (p_key, p_start, p_end) ON CONFLICT DO NOTHING;
          SELECT bw.settled_usd, bw.settled_tokens INTO s_usd, s_tok FROM budget_windows bw
            WHERE bw.budget_key = p_key AND bw.window_start = p_start FOR UPDATE;
          WITH reaped AS (
            DELETE FROM budget_leases bl WHERE bl.budget_key = p_key AND bl.window_start = p_start AND bl.replica <> p_replica
              AND bl.renewed_at < now() - make_interval(secs => p_ttl) RETURNING bl.lease_usd AS u, bl.lease_tokens AS t)
          SELECT COALESCE(sum(u), 0)::bigint, COALESCE(sum(t), 0)::bigint INTO r_usd, r_tok FROM reaped;
          s_usd := s_usd + r_usd; s_tok := s_tok + r_tok;
          SELECT bl.lease_usd, bl.lease_tokens, bl.seq, bl.granted_usd, bl.granted_tokens INTO m_usd, m_tok, m_seq, m_gusd, m_gtok
            FROM budget_leases bl WHERE bl.budget_key = p_key AND bl.window_start = p_start AND bl.replica = p_replica FOR UPDATE;
          have := FOUND;
          lost := false;
          IF have AND m_seq >= p_seq THEN
            g_usd := m_gusd; g_tok := m_gtok;
          ELSE
            IF NOT have THEN
              lost := p_seq > 1;
              m_usd := 0; m_tok := 0;
            ELSE
              s_usd := s_usd + p_report_usd; s_tok := s_tok + p_report_tokens;
              m_usd := greatest(m_usd - p_report_usd, 0); m_tok := greatest(m_tok - p_report_tokens, 0);
            END IF;
            m_usd := greatest(m_usd - p_release_usd, 0); m_tok := greatest(m_tok - p_release_tokens, 0);
            SELECT COALESCE(sum(bl.lease_usd), 0)::bigint, COALESCE(sum(bl.lease_tokens), 0)::bigint INTO o_usd, o_tok
              FROM budget_leases bl WHERE bl.budget_key = p_key AND bl.window_start = p_start AND bl.replica <> p_replica;
            IF p_grow_usd > 0 THEN
              g_usd := CASE WHEN p_limit_usd IS NULL THEN p_grow_usd ELSE least(p_grow_usd, greatest(p_limit_usd - s_usd - o_usd - m_usd, 0)) END;
              m_usd := m_usd + g_usd;
            END IF;
            IF p_grow_tokens > 0 THEN
              g_tok := CASE WHEN p_limit_tokens IS NULL THEN p_grow_tokens
                            ELSE least(p_grow_tokens, greatest(p_limit_tokens - s_tok - o_tok - m_tok, 0)) END;
              m_tok := m_tok + g_tok;
            END IF;
            INSERT INTO budget_leases AS bl (budget_key, window_start, replica, lease_usd, lease_tokens, seq, granted_usd, granted_tokens, renewed_at)
              VALUES (p_key, p_start, p_replica, m_usd, m_tok, p_seq, g_usd, g_tok, now())
              ON CONFLICT (budget_key, window_start, replica) DO UPDATE SET lease_usd = EXCLUDED.lease_usd, lease_tokens = EXCLUDED.lease_tokens,
                seq = EXCLUDED.seq, granted_usd = EXCLUDED.granted_usd, granted_tokens = EXCLUDED.granted_tokens, renewed_at = now();
            UPDATE budget_windows bw SET settled_usd = s_usd, settled_tokens = s_tok WHERE bw.budget_key = p_key AND bw.window_start = p_start;
          END IF;
          IF r_usd <> 0 OR r_tok <> 0 THEN
            UPDATE budget_windows bw SET settled_usd = s_usd, settled_tokens = s_tok WHERE bw.budget_key = p_key AND bw.window_start = p_start;
          END IF;
          SELECT COALESCE(sum(bl.lease_usd), 0)::bigint, COALESCE(sum(bl.lease_tokens), 0)::bigint INTO o_usd, o_tok
            FROM budget_leases bl WHERE bl.budget_key = p_key AND bl.window_start = p_start AND bl.replica <> p_replica;
          lease_usd := m_usd; lease_tokens := m_tok; granted_usd := g_usd; granted_tokens := g_tok;
          settled_usd := s_usd; settled_tokens := s_tok; others_usd := o_usd; others_tokens := o_tok;
        END $$
        """

    /// Window bounds as epoch seconds (a `total` budget's window spans the whole calendar).
    static func epoch(_ date: Date) -> Double { date.timeIntervalSince1970 }

    public func renewBudgetLease(_ request: BudgetLeaseRequest) async throws -> BudgetLeaseAnswer {
        try await run("renew the budget lease of \(request.key)") { [self] in
            let plan = request.plan
            let rows = try await client.query(
                """
                SELECT lease_usd, lease_tokens, granted_usd, granted_tokens, settled_usd, settled_tokens, others_usd, others_tokens, lost
                FROM aam_budget_lease(\(request.key), \(Self.epoch(request.window.start)), \(Self.epoch(request.window.end)), \(request.replica),
                  \(request.sequence), \(plan.report.usd.nanos), \(plan.report.tokens), \(plan.grow.usd.nanos), \(plan.grow.tokens),
                  \(plan.release.usd.nanos), \(plan.release.tokens), \(request.limitUSD?.nanos), \(request.limitTokens), \(request.ttlSeconds))
                """,
                logger: logger)
            for try await row in rows {
                let (leaseUSD, leaseTokens, grantedUSD, grantedTokens, settledUSD, settledTokens, othersUSD, othersTokens, lost) =
                    try row.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Bool).self)
                return BudgetLeaseAnswer(
                    lease: Spend(usd: Money(nanos: leaseUSD), tokens: leaseTokens),
                    granted: Spend(usd: Money(nanos: grantedUSD), tokens: grantedTokens),
                    settled: Spend(usd: Money(nanos: settledUSD), tokens: settledTokens),
                    others: Spend(usd: Money(nanos: othersUSD), tokens: othersTokens), lost: lost)
            }
            throw PostgresStoreError("Postgres (\(url)): the budget lease function returned nothing")
        }
    }

    public func resetBudgetLeases(replica: String) async throws -> Int {
        try await run("reset the budget leases of replica \(replica)") { [self] in
            let rows = try await client.query(
                """
                WITH gone AS (
                  DELETE FROM budget_leases bl WHERE bl.replica = \(replica)
                  RETURNING bl.budget_key, bl.window_start, bl.lease_usd, bl.lease_tokens),
                charged AS (
                  UPDATE budget_windows bw SET settled_usd = bw.settled_usd + g.u, settled_tokens = bw.settled_tokens + g.t
                  FROM (SELECT budget_key, window_start, sum(lease_usd)::bigint AS u, sum(lease_tokens)::bigint AS t FROM gone GROUP BY 1, 2) g
                  WHERE bw.budget_key = g.budget_key AND bw.window_start = g.window_start RETURNING 1)
                SELECT count(*)::int8 FROM gone
                """,
                logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    public func budgetWindows(_ windows: [(key: String, window: BudgetWindow)]) async throws -> [(settled: Spend, leased: Spend)?] {
        guard !windows.isEmpty else { return [] }
        let keys = windows.map(\.key)
        let starts = windows.map { Self.epoch($0.window.start) }
        return try await run("read \(windows.count) budget windows") { [self] in
            let rows = try await client.query(
                """
                SELECT w.ord, bw.settled_usd, bw.settled_tokens,
                  COALESCE((SELECT sum(bl.lease_usd) FROM budget_leases bl WHERE bl.budget_key = bw.budget_key AND bl.window_start = bw.window_start), 0)::bigint,
                  COALESCE((SELECT sum(bl.lease_tokens) FROM budget_leases bl WHERE bl.budget_key = bw.budget_key AND bl.window_start = bw.window_start), 0)::bigint
                FROM unnest(\(keys)::text[], \(starts)::float8[]) WITH ORDINALITY AS w(budget_key, window_start, ord)
                JOIN budget_windows bw ON bw.budget_key = w.budget_key AND bw.window_start = w.window_start
                """,
                logger: logger)
            var found = [(settled: Spend, leased: Spend)?](repeating: nil, count: windows.count)
            for try await (ord, su, st, lu, lt) in rows.decode((Int64, Int64, Int64, Int64, Int64).self) where (1...Int64(windows.count)).contains(ord) {
                found[Int(ord) - 1] = (Spend(usd: Money(nanos: su), tokens: st), Spend(usd: Money(nanos: lu), tokens: lt))
            }
            return found
        }
    }
}
