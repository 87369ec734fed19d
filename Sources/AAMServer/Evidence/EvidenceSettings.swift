import AAMCore
import Foundation

/// How call records and audit entries are made durable (`--durability`, `--spool-dir`,
/// `--spool-max-bytes`, `--spool-flush-ms`).
public struct EvidenceSettings: Sendable {
    /// When a call's record must be durable relative to its response.
    public enum Durability: String, Sendable, CaseIterable {
        /// The response completes only once its record is fsynced in the spool: the last bytes
        /// of a plain response (here: the whole response) and the terminating event of a stream
        /// are withheld until then. A client that saw a complete answer can rely on its record
        /// surviving `kill -9`. The default: the security-conservative choice.
        case strict
        /// Records wait in memory and are appended to the spool every `flushIntervalMs`: a
        /// `kill -9` can lose the records of calls that completed in the last flush interval
        /// (plus the one batch being written). A crash-free stop (SIGTERM) loses nothing.
        case batched
    }

    public var durability: Durability = .strict
    /// The spool directory. Nil: `spool/` next to the SQLite database, `./aam-data/spool-HOST-PORT-DB`
    /// for Postgres, and no spool at all for `memory` (records go straight to the in-memory store).
    public var spoolDirectory: String?
    /// The folder of the Postgres spools' default (`ServiceDirectories.state`: `./aam-data`,
    /// `/var/lib/aam` under systemd).
    public var defaultFolder = ServiceDirectories.development
    /// The undrained backlog's hard limit (default 1 GiB). At it (less a small reserve for calls
    /// already admitted), new calls are refused with 503 `evidence_unavailable`: evidence is
    /// never dropped silently. The alarm event fires at 80 %.
    public var spoolMaxBytes: Int = 1 << 30
    /// Batched mode's flush interval (default 20 ms): the window of records a crash can lose.
    public var flushIntervalMs: Int = 20

    public init() {}

    /// The spool directory for `database`, or nil when this database gets no spool.
    public func resolvedSpoolDirectory(database: String) -> String? {
        if let spoolDirectory { return spoolDirectory }
        if database.hasPrefix("sqlite:") {
            let path = String(database.dropFirst("sqlite:".count))
            let folder = (path as NSString).deletingLastPathComponent
            return (folder.isEmpty ? "." : folder) + "/spool"
        }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            // One spool per database, so that daemons on different databases (parallel tests
            // on scratch databases) never contend for the same directory.
            let name = Self.spoolName(forPostgres: database)
            return defaultFolder + "/spool" + (name.isEmpty ? "" : "-" + name)
        }
        return nil
    }

    /// `host-port-database` of a Postgres URL, reduced to letters, digits, `-` and `_` (no user
    /// or password: the name is visible on disk).
    static func spoolName(forPostgres url: String) -> String {
        guard let components = URLComponents(string: url) else { return "" }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let raw = [components.host ?? "", components.port.map(String.init) ?? "", database].filter { !$0.isEmpty }.joined(separator: "-")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// Parses a byte count with an optional K/M/G suffix (powers of 1024): `1073741824`, `512M`, `1G`.
    public static func parseBytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Int(trimmed.dropLast(suffix.count)), value > 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }
}

extension GatewayError {
    /// The evidence spool is full (the database has been unreachable for long) or failed: the
    /// gateway refuses calls rather than serve them unrecorded.
    public static let evidenceUnavailable = GatewayError(
        status: 503, type: .apiError, code: .evidenceUnavailable,
        message: "The gateway cannot record calls right now (evidence spool full or failing); the call was not made. Retry later.",
        retryAfterSeconds: 5)
}
