import AAMCore
import AAMServer
import ArgumentParser
import Foundation

/// `aam audit verify|list`: the tamper-evident admin audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The admin audit trail: verify its hash chain, list entries.", subcommands: [Verify.self, List.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the evidence chains: the keyed admin audit chain and the call-record batch chain.",
            discussion: """
                Asks the running aamd (GET /admin/audit/verify), which verifies with the chain keys it holds; with \
                --database, reads the database directly and needs the master key (AAM_MASTER_KEY or AAM_MASTER_KEY_FILE). \
                Anchors (--anchor chain:SEQ:LINK, or --anchor-file with `evidence anchor` log lines) catch a deleted tail. \
                Exit status: 0 intact, 1 broken, 2 the evidence could not be read.
                """)

        @OptionGroup var admin: AdminOptions

        @Option(help: "Verify offline from sqlite:PATH or postgres://… instead of asking aamd (needs the master key).")
        var database: String?

        @Option(name: .customLong("anchor"), help: "A recorded head: audit:SEQ:LINK or calls:SEQ:LINK (repeatable).")
        var anchors: [String] = []

        @Option(name: .customLong("anchor-file"), help: "A log file: every `evidence anchor` line in it is checked.")
        var anchorFile: String?

        func run() async throws {
            var parsed: [EvidenceAnchor] = []
            for text in anchors {
                guard let anchor = EvidenceAnchor(parsing: text) else {
                    FileHandle.standardError.write(Data("aam audit verify: --anchor must be audit:SEQ:LINK or calls:SEQ:LINK, got '\(text.prefix(80))'\n".utf8))
                    throw ExitCode(2)
                }
                parsed.append(anchor)
            }
            if let anchorFile {
                guard let data = FileManager.default.contents(atPath: anchorFile) else {
                    FileHandle.standardError.write(Data("aam audit verify: cannot read the anchor file \(anchorFile)\n".utf8))
                    throw ExitCode(2)
                }
                parsed += EvidenceAnchor.anchors(inLog: String(decoding: data, as: UTF8.self))
            }
            // Through the API, the latest anchors up to its limit (the newest catch truncation).
            let report: EvidenceReport
            do {
                if let database {
                    report = try await offline(database, parsed)
                } else {
                    report = try await online(Array(parsed.suffix(AuditAPILimits.maxAnchors)))
                }
            } catch {
                FileHandle.standardError.write(Data("aam audit verify: \(error)\n".utf8))
                throw ExitCode(2)
            }
            for line in report.lines { print(line) }
            if !report.ok { throw ExitCode(1) }
        }

        private func offline(_ url: String, _ anchors: [EvidenceAnchor]) async throws -> EvidenceReport {
            try await AuditTrailReader.verify(database: url, environment: ProcessInfo.processInfo.environment, anchors: anchors)
        }

        private func online(_ anchors: [EvidenceAnchor]) async throws -> EvidenceReport {
            var components = URLComponents()
            components.queryItems = anchors.map { URLQueryItem(name: "anchor", value: $0.description) }
            let query = anchors.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? "")
            let reply = try await AdminClient(options: admin).expect(.GET, "/admin/audit/verify" + query)
            return try JSONDecoder().decode(EvidenceReport.self, from: Data(reply.body))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit entries through the admin API, oldest first.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Entries to show (1-1000).") var limit: Int = 100
        @Option(help: "Only entries after this sequence.") var after: Int64?
        @Option(help: "Exact actor, e.g. admin:1a2b3c4d.") var actor: String?
        @Option(help: "Exact action, e.g. key.rotate.") var action: String?
        @Option(help: "Exact target, or a prefix ending in '*', e.g. key:*.") var target: String?

        func run() async throws {
            var items = [URLQueryItem(name: "limit", value: String(limit))]
            if let after { items.append(URLQueryItem(name: "after", value: String(after))) }
            if let actor { items.append(URLQueryItem(name: "actor", value: actor)) }
            if let action { items.append(URLQueryItem(name: "action", value: action)) }
            if let target { items.append(URLQueryItem(name: "target", value: target)) }
            var components = URLComponents()
            components.queryItems = items
            let reply = try await AdminClient(options: admin).expect(.GET, "/admin/audit?" + (components.percentEncodedQuery ?? ""))
            if output.isJSON { return printJSON(reply) }
            let page = reply.json as? [String: Any] ?? [:]
            let columns: [CLITable.Column] = ["sequence", "at", "actor", "action", "target"].map { .init($0.uppercased(), field: $0) }
            output.emit(page["entries"] as? [[String: Any]] ?? [], columns, empty: "no audit entries")
            if let next = page["next"] as? Int { print("more: aam audit list --after \(next)") }
        }
    }
}

/// Limits of `GET /admin/audit/verify` the CLI respects.
enum AuditAPILimits {
    static let maxAnchors = 100
}
