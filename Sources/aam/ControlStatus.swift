import AAMControlProtocol
import Foundation

/// `aam status` over the control socket: who the daemon is, its counters, and one line per
/// deployment with health, latency and drain state.
enum ControlStatus {

    /// Connects, queries and prints (the report, or with `json` the three answers as one JSON
    /// object). Throws `ControlClientError` with the operator-facing reason.
    static func run(path: String, json: Bool = false) async throws {
        let client = try await ControlClient.connect(path: path, peer: "aam status")
        defer { client.close() }
        let status = try await client.query(.status).status
        let providers = try await client.query(.providers).providers ?? []
        let aliases = try await client.query(.aliases).aliases ?? []
        guard let status else { throw ControlClientError.badReply("status missing from the answer") }
        if json {
            struct Snapshot: Encodable { var status: StatusView; var providers: [ProviderRow]; var aliases: [AliasRow] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let data = try encoder.encode(Snapshot(status: status, providers: providers, aliases: aliases))
            return print(String(decoding: data, as: UTF8.self))
        }
        print(render(status: status, providers: providers, aliases: aliases, now: Date()), terminator: "")
    }

    /// The compact report (pure, for a fixed `now`).
    static func render(status: StatusView, providers: [ProviderRow], aliases: [AliasRow], now: Date) -> String {
        let daemon = status.daemon
        var out = "daemon aamd \(daemon.version) pid \(daemon.pid) listening \(daemon.listen), up \(duration(now.timeIntervalSince(daemon.startedAt))), config v\(status.configVersion)\n"
        out += "calls \(status.callsSinceStart) (errors \(status.errorsSinceStart)), console subscribers \(status.subscribers)\n"
        out += "providers \(status.providers), deployments \(status.deployments), aliases \(status.aliases), keys \(status.keys)\n"
        if !providers.isEmpty {
            let header = ["DEPLOYMENT", "ALIAS", "PROVIDER", "STATE", "ERR%", "P50", "P95", "INFL", "DRAINED"]
            var rows = [header]
            for row in providers {
                // The console's words (`ProviderHealthWord`), not the breaker's state names.
                var state = ProviderHealthWord(row).rawValue
                if row.cooldownRemainingSeconds > 0 { state += " \(Int(row.cooldownRemainingSeconds.rounded(.up)))s" }
                let drained = row.providerDrained ? "provider" : row.deploymentDrained ? "yes" : "-"
                rows.append([
                    row.deployment, row.alias, row.provider, state, String(format: "%.0f", row.errorRate * 100), milliseconds(row.p50Ms),
                    milliseconds(row.p95Ms), String(row.inFlight), drained,
                ])
            }
            out += table(rows)
        }
        for alias in aliases {
            let members = alias.deployments.map { "\($0.deployment)(w\($0.weight) p\($0.priority)\($0.drained ? " drained" : ""))" }
            let fallbacks = alias.fallbacks.isEmpty ? "" : " -> \(alias.fallbacks.joined(separator: ", "))"
            out += "alias \(alias.name) [\(alias.strategy)] \(members.joined(separator: " "))\(fallbacks)\n"
        }
        return out
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.1fms", value) : String(format: "%.0fms", value)
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86_400 { return "\(total / 3_600)h \(total % 3_600 / 60)m" }
        return "\(total / 86_400)d \(total % 86_400 / 3_600)h"
    }

    /// Left-aligned columns separated by two spaces (the header is the first row).
    static func table(_ rows: [[String]]) -> String { CLITable.render(rows) }
}
