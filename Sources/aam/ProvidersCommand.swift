import ArgumentParser
import Foundation

/// `aam providers list|show|add|delete|credential|drain|undrain`: upstream vendor endpoints
/// through the admin API. A provider's credential is read from an environment variable or a
/// file (`CredentialSource`), and no admin answer contains it: only `credentialSet` and a
/// fingerprint.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "Upstream providers: list, add, delete, replace a credential, drain.",
        subcommands: [List.self, Show.self, Add.self, Delete.self, Credential.self, Drain.self, Undrain.self])

    static let protocols = ["openai", "anthropic", "azure-openai", "gemini", "bedrock", "simulated"]

    static let columns: [CLITable.Column] = [
        .init("NAME", field: "name"), .init("PROTOCOL", field: "protocol"), .init("BASE URL", field: "baseURL"),
        .init("CREDENTIAL") { ($0["credentialSet"] as? Bool) == true ? CLITable.text($0["credentialFingerprint"] ?? "set") : "-" },
        .init("DRAINED", field: "drained"), .init("DEPLOYMENTS", field: "deployments"),
    ]

    static let detailColumns: [CLITable.Column] = columns + [
        .init("REGION", field: "region"), .init("API VERSION", field: "apiVersion"), .init("HEADERS") { CLITable.text(($0["headers"] as? [String: Any]).map { Array($0.keys.sorted()) }) },
        .init("BUDGETS", field: "budgets"), .init("SIMULATION", field: "simulation"),
    ]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the providers with their credential fingerprint, drain state and deployments.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.GET, "/admin/providers"), ProvidersCommand.columns, empty: "no providers")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one provider (its health per deployment is in the JSON).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The provider's name.") var name: String
        func run() async throws {
            let reply = try await AdminClient(options: admin).expect(.GET, "/admin/providers/\(PathSegment.encode(name))")
            output.emitFields(reply, ProvidersCommand.detailColumns)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a provider; its credential comes from --credential-env or --credential-file, never a flag's value.",
            discussion: "Bedrock's credential is the JSON object {\"accessKeyId\",\"secretAccessKey\",\"sessionToken\"?}; a simulated provider needs none.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The provider's name (deployments refer to it).") var name: String
        @Option(name: .customLong("protocol"), help: "The vendor's wire protocol: openai, anthropic, azure-openai, gemini, bedrock or simulated.")
        var wire: String
        @Option(name: .customLong("base-url"), help: "The vendor's base URL (default: the vendor's public endpoint where it has one).")
        var baseURL: String?
        @Option(help: "The region (required by bedrock).") var region: String?
        @Option(name: .customLong("api-version"), help: "The API version (azure-openai).") var apiVersion: String?
        @Option(name: .customLong("header"), help: "An extra header sent upstream, NAME=VALUE (repeatable).") var headers: [String] = []
        @Option(name: .customLong("credential-env"), help: "Environment variable holding the credential.") var credentialEnv: String?
        @Option(name: .customLong("credential-file"), help: "File holding the credential (one trailing newline is ignored).") var credentialFile: String?

        func validate() throws {
            guard ProvidersCommand.protocols.contains(wire) else {
                throw ValidationError("--protocol must be one of \(ProvidersCommand.protocols.joined(separator: ", ")), not '\(wire)'")
            }
            if credentialEnv != nil, credentialFile != nil {
                throw ValidationError("give the credential with at most one of --credential-env VAR or --credential-file PATH")
            }
            for header in headers where !header.contains("=") {
                throw ValidationError("--header must be NAME=VALUE, got '\(header.prefix(80))'")
            }
        }

        func run() async throws {
            var body: [String: Any] = ["name": name, "protocol": wire]
            if let baseURL { body["baseURL"] = baseURL }
            if let region { body["region"] = region }
            if let apiVersion { body["apiVersion"] = apiVersion }
            if !headers.isEmpty {
                body["headers"] = Dictionary(headers.map { header in
                    let parts = header.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    return (String(parts[0]), String(parts[1]))
                }) { _, last in last }
            }
            if credentialEnv != nil || credentialFile != nil {
                body["credential"] = try CredentialSource.read(variable: credentialEnv, file: credentialFile, command: "aam providers add")
            }
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/providers", json: body), ProvidersCommand.columns, empty: "no provider")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a provider (refused while deployments use it).")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The provider's name.") var name: String
        func run() async throws {
            _ = try await AdminClient(options: admin).expect(.DELETE, "/admin/providers/\(PathSegment.encode(name))")
            print("provider \(name) deleted")
        }
    }

    struct Credential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a provider's credential (from --credential-env or --credential-file); prints the new fingerprint.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The provider's name.") var name: String
        @Option(name: .customLong("credential-env"), help: "Environment variable holding the new credential.") var credentialEnv: String?
        @Option(name: .customLong("credential-file"), help: "File holding the new credential (one trailing newline is ignored).") var credentialFile: String?

        func validate() throws {
            guard (credentialEnv == nil) != (credentialFile == nil) else {
                throw ValidationError("give the credential with exactly one of --credential-env VAR or --credential-file PATH")
            }
        }

        func run() async throws {
            let credential = try CredentialSource.read(variable: credentialEnv, file: credentialFile, command: "aam providers credential")
            let reply = try await AdminClient(options: admin).expect(.POST, "/admin/providers/\(PathSegment.encode(name))/credential", json: ["credential": credential])
            output.emit(reply, ProvidersCommand.columns, empty: "no provider")
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing new calls to a provider (calls in flight finish).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The provider's name.") var name: String
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/providers/\(PathSegment.encode(name))/drain"), ProvidersCommand.columns, empty: "no provider")
        }
    }

    struct Undrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route calls to a drained provider again.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The provider's name.") var name: String
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/providers/\(PathSegment.encode(name))/undrain"), ProvidersCommand.columns, empty: "no provider")
        }
    }
}
