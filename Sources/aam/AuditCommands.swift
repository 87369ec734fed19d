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
            abstract: "Recompute the hash chain from the database; report the first modified, missing or inserted row.",
            discussion: "Exit status: 0 intact, 1 broken, 2 the database could not be read.")

        @Option(help: "sqlite:PATH or postgres://… (default: AAM_DATABASE_URL, else sqlite:./aam-data/aam.db).")
        var database: String?

        func run() async throws {
            let url = database ?? ProcessInfo.processInfo.environment["AAM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "sqlite:./aam-data/aam.db"
            let verifier: AuditChainVerifier
            do {
                verifier = try await AuditTrailReader.verify(database: url)
            } catch {
                FileHandle.standardError.write(Data("aam audit verify: \(error)\n".utf8))
                throw ExitCode(2)
            }
            print("audit chain \(verifier.summary)")
            if verifier.problem != nil { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit entries through the admin API, oldest first.")
        @OptionGroup var admin: AdminOptions
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
            let page = reply.json as? [String: Any] ?? [:]
            for entry in page["entries"] as? [[String: Any]] ?? [] {
                let fields = ["sequence", "at", "actor", "action", "target"].map { entry[$0].map { "\($0)" } ?? "-" }
                print(fields.joined(separator: "  "))
            }
            if let next = page["next"] as? Int { print("more: aam audit list --after \(next)") }
        }
    }
}
