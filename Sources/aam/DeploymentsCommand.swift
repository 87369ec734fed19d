import ArgumentParser
import Foundation

/// `aam deployments list|show|add|set|delete|drain|undrain`: the (alias, provider, upstream
/// model) routes through the admin API (`/admin/deployments`).
struct DeploymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployments", abstract: "Deployments (an alias served by a provider's model): list, add, change, delete, drain.",
        subcommands: [List.self, Show.self, Add.self, Set.self, Delete.self, Drain.self, Undrain.self])

    static let columns: [CLITable.Column] = [
        .init("ID", field: "id"), .init("ALIAS", field: "alias"), .init("PROVIDER", field: "provider"), .init("MODEL", field: "upstreamModel"),
        .init("WEIGHT", field: "weight"), .init("PRIORITY", field: "priority"), .init("DRAINED", field: "drained"),
    ]

    static let detailColumns: [CLITable.Column] = columns + [
        .init("REGION", field: "region"), .init("RPM", field: "rpm"), .init("TPM", field: "tpm"),
        .init("CONTEXT WINDOW", field: "contextWindow"), .init("BUDGETS", field: "budgets"),
    ]

    /// The settings `add` and `set` share; nil ones are left out of the request.
    struct Settings: ParsableArguments {
        @Option(help: "Relative share of the alias's traffic among deployments of the same priority.") var weight: Int?
        @Option(help: "Lower is tried first by the alias's `priority` strategy.") var priority: Int?
        @Option(help: "The deployment's region (keys bound to a region use only its deployments).") var region: String?
        @Option(help: "Requests per minute this deployment may take.") var rpm: Int?
        @Option(help: "Tokens per minute this deployment may take.") var tpm: Int?
        @Option(name: .customLong("context-window"), help: "The model's context window in tokens (for context-window fallback).")
        var contextWindow: Int?

        var body: [String: Any] {
            var body: [String: Any] = [:]
            if let weight { body["weight"] = weight }
            if let priority { body["priority"] = priority }
            if let region { body["region"] = region }
            if let rpm { body["rpm"] = rpm }
            if let tpm { body["tpm"] = tpm }
            if let contextWindow { body["contextWindow"] = contextWindow }
            return body
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the deployments by id.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only the deployments of this alias.") var alias: String?
        @Option(help: "Only the deployments on this provider.") var provider: String?

        func run() async throws {
            let reply = try await AdminClient(options: admin).expect(.GET, "/admin/deployments")
            guard alias != nil || provider != nil else { return output.emit(reply, DeploymentsCommand.columns, empty: "no deployments") }
            let rows = (reply.json as? [[String: Any]] ?? []).filter { row in
                (alias == nil || row["alias"] as? String == alias) && (provider == nil || row["provider"] as? String == provider)
            }
            if output.isJSON { return printJSON(rows) }
            output.emit(rows, DeploymentsCommand.columns, empty: "no deployments match")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one deployment.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The deployment's id.") var id: String
        func run() async throws {
            output.emitFields(try await AdminClient(options: admin).expect(.GET, "/admin/deployments/\(PathSegment.encode(id))"), DeploymentsCommand.detailColumns)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve an alias with a provider's model (the alias is created if new).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The alias clients ask for (`model` in their request).") var alias: String
        @Option(help: "The provider that serves it.") var provider: String
        @Option(help: "The model name the provider knows.") var model: String
        @Option(help: "The deployment's id (default: one is generated).") var id: String?
        @OptionGroup var settings: Settings

        func run() async throws {
            var body = settings.body
            body["alias"] = alias
            body["provider"] = provider
            body["upstreamModel"] = model
            if let id { body["id"] = id }
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/deployments", json: body), DeploymentsCommand.columns, empty: "no deployment")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a deployment's model, weight, priority, region or limits (the rest stays).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The deployment's id.") var id: String
        @Option(help: "The model name the provider knows.") var model: String?
        @OptionGroup var settings: Settings

        func validate() throws {
            if model == nil, settings.body.isEmpty { throw ValidationError("nothing to change: give --model, --weight, --priority, --region, --rpm, --tpm or --context-window") }
        }

        func run() async throws {
            var body = settings.body
            if let model { body["upstreamModel"] = model }
            let reply = try await AdminClient(options: admin).expect(.PATCH, "/admin/deployments/\(PathSegment.encode(id))", json: body)
            output.emit(reply, DeploymentsCommand.columns, empty: "no deployment")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a deployment.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The deployment's id.") var id: String
        func run() async throws {
            _ = try await AdminClient(options: admin).expect(.DELETE, "/admin/deployments/\(PathSegment.encode(id))")
            print("deployment \(id) deleted")
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing new calls to a deployment (calls in flight finish).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The deployment's id.") var id: String
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/deployments/\(PathSegment.encode(id))/drain"), DeploymentsCommand.columns, empty: "no deployment")
        }
    }

    struct Undrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route calls to a drained deployment again.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The deployment's id.") var id: String
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/deployments/\(PathSegment.encode(id))/undrain"), DeploymentsCommand.columns, empty: "no deployment")
        }
    }
}
