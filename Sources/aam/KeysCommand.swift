import ArgumentParser
import Foundation

/// `aam keys create|list|show|revoke|rotate`: virtual keys through the admin API. A key's secret
/// is printed only by `create` and `rotate`, the one time the admin API returns it.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Virtual keys: issue, list, show, revoke and rotate them.",
        subcommands: [Create.self, List.self, Show.self, Revoke.self, Rotate.self])

    static let columns: [CLITable.Column] = [
        .init("ID", field: "id"), .init("PREFIX", field: "prefix"), .init("ORG", field: "orgId"), .init("TEAM", field: "teamId"),
        .init("PROJECT", field: "projectId"), .init("NAME", field: "name"), .init("STATUS", field: "status"),
        .init("MODELS", field: "models"), .init("LAST USED", field: "lastUsedAt"),
    ]

    /// Everything `show` prints (never the secret: the admin API does not have it after issuance).
    static let detailColumns: [CLITable.Column] = columns + [
        .init("CREATED", field: "createdAt"), .init("EXPIRES", field: "expiresAt"), .init("REVOKED", field: "revokedAt"),
        .init("ROTATED", field: "lastRotatedAt"), .init("GRACE UNTIL", field: "graceUntil"), .init("REGION", field: "region"),
        .init("RPM", field: "rpm"), .init("TPM", field: "tpm"), .init("BUDGETS", field: "budgets"), .init("METADATA", field: "metadata"),
    ]

    /// A key just issued or rotated: its row, then its secret on a line of its own.
    static func printIssued(_ reply: AdminClient.Reply, _ output: OutputOptions) {
        output.emit(reply, columns, empty: "no key")
        if !output.isJSON, let secret = (reply.json as? [String: Any])?["key"] as? String {
            print("\nsecret (shown only this once; store it now): \(secret)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a virtual key; its secret is printed this once (the org, team and project are created if missing).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The org the key belongs to.") var org: String
        @Option(help: "The team within the org.") var team: String?
        @Option(help: "The project within the team.") var project: String?
        @Option(help: "A name for people (shown in lists and the console).") var name: String?
        @Option(help: "Allowed aliases, comma separated (default: every alias).") var models: String?

        func run() async throws {
            var body: [String: Any] = ["orgId": org]
            if let team { body["teamId"] = team }
            if let project { body["projectId"] = project }
            if let name { body["name"] = name }
            if let models { body["models"] = models.split(separator: ",").map(String.init) }
            KeysCommand.printIssued(try await AdminClient(options: admin).expect(.POST, "/admin/keys", json: body), output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the virtual keys, oldest first (never their secrets).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.GET, "/admin/keys"), KeysCommand.columns, empty: "no keys")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one key: scope, status, limits, budgets, when it was last used.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The key's id (from `aam keys list`).") var id: String
        func run() async throws {
            output.emitFields(try await AdminClient(options: admin).expect(.GET, "/admin/keys/\(PathSegment.encode(id))"), KeysCommand.detailColumns)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key now (calls with it are refused from this moment).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The key's id.") var id: String
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.POST, "/admin/keys/\(PathSegment.encode(id))/revoke"), KeysCommand.columns, empty: "no key")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new secret for a key; the new secret is printed this once.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The key's id.") var id: String
        @Option(help: "Seconds the old secret keeps working.") var grace: Int = 0
        func run() async throws {
            let reply = try await AdminClient(options: admin).expect(.POST, "/admin/keys/\(PathSegment.encode(id))/rotate", json: ["gracePeriodSeconds": grace])
            KeysCommand.printIssued(reply, output)
        }
    }
}
