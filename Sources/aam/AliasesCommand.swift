import ArgumentParser
import Foundation

/// `aam aliases list|show|set|delete`: the names clients ask for (`model`) and how each routes:
/// strategy, fallbacks, retries, timeout (`/admin/aliases`). An alias gets its deployments with
/// `aam deployments add`.
struct AliasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aliases", abstract: "Model aliases: list them, set routing (strategy, fallbacks, retries, timeout), delete.",
        subcommands: [List.self, Show.self, Set.self, Delete.self])

    static let strategies = ["weighted", "priority", "least-latency", "least-busy"]

    static let columns: [CLITable.Column] = [
        .init("NAME", field: "name"), .init("STRATEGY", field: "strategy"), .init("FALLBACKS", field: "fallbacks"),
        .init("RETRIES", field: "retries"), .init("TIMEOUT MS", field: "timeoutMs"),
        .init("DEPLOYMENTS") { CLITable.text(($0["deployments"] as? [[String: Any]])?.map { $0["id"] ?? NSNull() }) },
    ]

    static let detailColumns: [CLITable.Column] = columns + [.init("CONTEXT FALLBACK", field: "contextWindowFallback")]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the aliases with their routing and deployments.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.GET, "/admin/aliases"), AliasesCommand.columns, empty: "no aliases")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one alias (its deployments in full are in the JSON).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The alias.") var name: String
        func run() async throws {
            output.emitFields(try await AdminClient(options: admin).expect(.GET, "/admin/aliases/\(PathSegment.encode(name))"), AliasesCommand.detailColumns)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an alias's routing; only the settings given change (fallback cycles and unknown aliases are refused).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The alias.") var name: String
        @Option(help: "How a deployment is chosen: weighted, priority, least-latency or least-busy.") var strategy: String?
        @Option(help: "Aliases tried in order when this one fails, comma separated (\"\" clears them).") var fallbacks: String?
        @Option(help: "Retries on another deployment before falling back (0-10).") var retries: Int?
        @Option(name: .customLong("timeout-ms"), help: "The call's upstream timeout in milliseconds.") var timeoutMs: Int?
        @Option(name: .customLong("context-window-fallback"), help: "The alias used when a request is too long for this one (\"\" clears it).")
        var contextWindowFallback: String?

        func validate() throws {
            if let strategy, !AliasesCommand.strategies.contains(strategy) {
                throw ValidationError("--strategy must be one of \(AliasesCommand.strategies.joined(separator: ", ")), not '\(strategy)'")
            }
            if strategy == nil, fallbacks == nil, retries == nil, timeoutMs == nil, contextWindowFallback == nil {
                throw ValidationError("nothing to set: give --strategy, --fallbacks, --retries, --timeout-ms or --context-window-fallback")
            }
        }

        func run() async throws {
            var body: [String: Any] = [:]
            if let strategy { body["strategy"] = strategy }
            if let fallbacks { body["fallbacks"] = fallbacks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            if let retries { body["retries"] = retries }
            if let timeoutMs { body["timeoutMs"] = timeoutMs }
            if let contextWindowFallback { body["contextWindowFallback"] = contextWindowFallback }
            let reply = try await AdminClient(options: admin).expect(.PUT, "/admin/aliases/\(PathSegment.encode(name))", json: body)
            output.emit(reply, AliasesCommand.columns, empty: "no alias")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alias and its deployments (refused while another alias falls back to it).")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The alias.") var name: String
        func run() async throws {
            _ = try await AdminClient(options: admin).expect(.DELETE, "/admin/aliases/\(PathSegment.encode(name))")
            print("alias \(name) deleted")
        }
    }
}
