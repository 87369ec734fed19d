import ArgumentParser
import Foundation
import NIOHTTP1

/// `aam mcp list|add|map|delete`: the MCP server catalog through the admin API.
///
/// A server's credential is read from an environment variable or a file, never from a flag
/// value: a flag would sit in the shell history and in `ps` for anyone on the host to read.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Upstream MCP servers the broker serves at /mcp/NAME, and their tool mappings.",
        subcommands: [List.self, Add.self, Map.self, Delete.self])

    static let serverColumns: [CLITable.Column] = [
        .init("NAME", field: "name"), .init("URL", field: "url"), .init("VERSION", field: "protocolVersion"),
        .init("INJECTION") { CLITable.text(($0["injection"] as? [String: Any])?["type"]) },
        .init("CREDENTIAL") { ($0["credentialSet"] as? Bool) == true ? CLITable.text($0["credentialFingerprint"] ?? "set") : "-" },
        .init("TOOLS") { String(($0["tools"] as? [Any])?.count ?? 0) },
    ]
    static let toolColumns: [CLITable.Column] = [
        .init("SERVER", field: "server"), .init("TOOL", field: "tool"), .init("RESOURCE", field: "resource"), .init("ACTION", field: "action"),
        .init("ID FROM", field: "resourceIdFrom"),
    ]

    static let injections = ["bearer", "header", "oauth-client-credentials", "token-exchange"]
    static let versions = ["2025-11-25", "2026-07-28"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the catalogued MCP servers and their tool mappings.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        // Before `-o json` existed; kept so scripts written against it still work.
        @Flag(help: .hidden) var json = false

        func run() async throws {
            let reply = try await MCPCommand.send("list", admin, .GET, "/admin/mcp-servers")
            if json || output.isJSON { return printJSON(reply) }
            let servers = reply.json as? [[String: Any]] ?? []
            output.emit(servers, MCPCommand.serverColumns, empty: "no MCP servers")
            // The tool mappings, a second table under the servers' (a server maps several tools).
            let tools = servers.flatMap { server in
                (server["tools"] as? [[String: Any]] ?? []).map { $0.merging(["server": server["name"] ?? NSNull()]) { old, _ in old } }
            }
            guard !tools.isEmpty else { return }
            print("")
            output.emit(tools, MCPCommand.toolColumns, empty: "")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an MCP server; its credential comes from --credential-env or --credential-file.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The server's name (the gateway serves it at /mcp/NAME).") var name: String
        // Not `--url`: that names the admin API, as in every other `aam` command.
        @Option(name: .customLong("server-url"), help: "The upstream MCP server's Streamable HTTP endpoint.") var serverURL: String
        @Option(name: .customLong("protocol-version"), help: "The upstream's style: 2025-11-25 (sessions) or 2026-07-28 (stateless).")
        var protocolVersion: String?
        @Option(help: "How the credential goes upstream: bearer, header, oauth-client-credentials or token-exchange.") var injection: String
        @Option(help: "The header name (injection 'header').") var header: String?
        @Option(name: .customLong("token-url"), help: "The OAuth token endpoint (OAuth injections).") var tokenURL: String?
        @Option(name: .customLong("client-id"), help: "The OAuth client id (OAuth injections).") var clientId: String?
        @Option(help: "The OAuth scope to request.") var scope: String?
        @Option(name: .customLong("credential-env"), help: "Environment variable holding the credential (or OAuth client secret).")
        var credentialEnv: String?
        @Option(name: .customLong("credential-file"), help: "File holding the credential (one trailing newline is ignored).")
        var credentialFile: String?

        func validate() throws {
            guard MCPCommand.injections.contains(injection) else {
                throw ValidationError("--injection must be one of \(MCPCommand.injections.joined(separator: ", ")), not '\(injection)'")
            }
            if let protocolVersion, !MCPCommand.versions.contains(protocolVersion) {
                throw ValidationError("--protocol-version must be one of \(MCPCommand.versions.joined(separator: ", ")), not '\(protocolVersion)'")
            }
            guard (credentialEnv == nil) != (credentialFile == nil) else {
                throw ValidationError("give the credential with exactly one of --credential-env VAR or --credential-file PATH")
            }
        }

        /// The credential from the environment variable or file named on the command line.
        func credential() throws -> String {
            try CredentialSource.read(variable: credentialEnv, file: credentialFile, command: "aam mcp add")
        }

        func run() async throws {
            var injectionBody: [String: Any] = ["type": injection]
            if let header { injectionBody["header"] = header }
            if let tokenURL { injectionBody["tokenURL"] = tokenURL }
            if let clientId { injectionBody["clientId"] = clientId }
            if let scope { injectionBody["scope"] = scope }
            let secret: String
            do { secret = try credential() } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
            var body: [String: Any] = ["name": name, "url": serverURL, "credential": secret, "injection": injectionBody]
            if let protocolVersion { body["protocolVersion"] = protocolVersion }
            let reply = try await MCPCommand.send("add", admin, .POST, "/admin/mcp-servers", json: body)
            let object = reply.json as? [String: Any] ?? [:]
            let version = object["protocolVersion"] as? String ?? protocolVersion ?? "?"
            print("MCP server \(name) added: \(serverURL) (\(version), \(injection), credential \(object["credentialFingerprint"] as? String ?? "set"))")
        }
    }

    struct Map: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map a server's tool to a business resource and action (mapping it again replaces the mapping).")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The server's name.") var name: String
        @Option(help: "The tool's name as the server lists it.") var tool: String
        @Option(help: "The business resource (e.g. salesforce.accounts).") var resource: String
        @Option(help: "The action on the resource (e.g. read).") var action: String
        @Option(name: .customLong("resource-id-from"), help: "Dotted argument path naming the resource instance (e.g. account.id).")
        var resourceIdFrom: String?

        func run() async throws {
            var body: [String: Any] = ["tool": tool, "resource": resource, "action": action]
            if let resourceIdFrom { body["resourceIdFrom"] = resourceIdFrom }
            _ = try await MCPCommand.send("map", admin, .POST, "/admin/mcp-servers/\(MCPCommand.pathSegment(name))/tools", json: body)
            print("\(name): tool \(tool) -> \(resource) \(action)\(resourceIdFrom.map { " (id from \($0))" } ?? "")")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an MCP server from the catalog.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The server's name.") var name: String

        func run() async throws {
            _ = try await MCPCommand.send("delete", admin, .DELETE, "/admin/mcp-servers/\(MCPCommand.pathSegment(name))")
            print("MCP server \(name) deleted")
        }
    }

    /// Sends an admin request; a refusal exits 1 with `aam mcp VERB: STATUS: message naming the field`.
    static func send(_ verb: String, _ admin: AdminOptions, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws
        -> AdminClient.Reply
    {
        let reply: AdminClient.Reply
        do { reply = try await AdminClient(options: admin).send(method, path, json: json) } catch {
            FileHandle.standardError.write(Data("aam mcp \(verb): \(error)\n".utf8))
            throw ExitCode(1)
        }
        guard (200..<300).contains(reply.status) else {
            FileHandle.standardError.write(Data("aam mcp \(verb): \(PolicyHTTP.failure(reply))\n".utf8))
            throw ExitCode(1)
        }
        return reply
    }

    static func pathSegment(_ name: String) -> String { PathSegment.encode(name) }
}
