import AAMCore
import Foundation
import PostgresNIO

/// RPM and TPM across replicas (schema 6): the same GCRA bucket as `RateLimiter` (capacity
/// `limit` units, draining at `limit` per minute), kept once per key in Postgres and drained on
/// the database's clock, so replicas with skewed clocks agree. A replica leases units from it
/// in small batches and admits calls against them in memory; units it did not use go back at
/// its next renewal. Every unit admitted anywhere was taken from the one bucket first, so the
/// cluster admits no more than one `RateLimiter` would; what is held unused only delays
/// others by as much, and is given back within seconds.
extension PostgresStore: RateLeaseStore {
    static let rateLeaseFunction = """
        CREATE FUNCTION aam_rate_lease(p_key text, p_limit bigint, p_want bigint, p_return bigint,
          OUT granted bigint, OUT remaining bigint, OUT retry_ms bigint)
        LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        DECLARE
          now_us bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
          unit numeric := 60000000;
          cap numeric; lvl numeric; upd bigint; free_units bigint;
        BEGIN
          IF p_limit <= 0 THEN granted := 0; remaining := 0; retry_ms := 60000; RETURN; END IF;
          cap := p_limit::numeric * unit;
          INSERT INTO rate_buckets AS rb (rate_key, level, updated_us) VALUES (p_key, 0, now_us) ON CONFLICT DO NOTHING;
          SELECT rb.level, rb.updated_us INTO lvl, upd FROM rate_buckets rb WHERE rb.rate_key = p_key FOR UPDATE;
          lvl := greatest(lvl - greatest(now_us - upd, 0)::numeric * p_limit, 0);
          lvl := least(greatest(lvl - greatest(p_return, 0)::numeric * unit, 0), cap);
          free_units := floor((cap - lvl) / unit)::bigint;
          granted := least(greatest(p_want, 0), free_units);
          lvl := lvl + granted::numeric * unit;
          remaining := free_units - granted;
          retry_ms := CASE WHEN granted >= p_want THEN 0 ELSE ceil((lvl + unit - cap) / p_limit / 1000)::bigint END;
          UPDATE rate_buckets rb SET level = lvl, updated_us = now_us WHERE rb.rate_key = p_key;
        END $$
        """

    public func renewRateLease(key: String, limitPerMinute: Int64, want: Int64, returning: Int64) async throws -> RateLeaseAnswer {
        try await run("renew the rate lease of \(key)") { [self] in
            let rows = try await client.query(
                "SELECT granted, remaining, retry_ms FROM aam_rate_lease(\(key), \(limitPerMinute), \(want), \(returning))", logger: logger)
            for try await (granted, remaining, retryMs) in rows.decode((Int64, Int64, Int64).self) {
                return RateLeaseAnswer(granted: granted, remaining: remaining, retryAfterSeconds: Double(max(retryMs, 0)) / 1000)
            }
            throw PostgresStoreError("Postgres (\(url)): the rate lease function returned nothing")
        }
    }
}
