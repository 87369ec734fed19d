import AAMBuildInfo
import AAMCore
import ArgumentParser
import Foundation

/// `aam`: the operator CLI.
@main
struct AAM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aam",
        abstract: "Agent Access Manager operator CLI.",
        version: BuildIdentity.stamped.versionLine(program: "aam"),
        subcommands: [
            DemoCommand.self, StatusCommand.self, ConfigCommand.self, KeysCommand.self, ProvidersCommand.self,
            DeploymentsCommand.self, AliasesCommand.self, UsageCommand.self, CallsCommand.self,
            MasterKeyCommand.self, AuditCommand.self, ConsoleCommand.self, PolicyCommand.self, MCPCommand.self,
        ])
}

/// Where the admin API is and how to authenticate to it.
struct AdminOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: "Admin API base URL (default: $AAM_URL, else http://127.0.0.1:8080).")
    var urlOption: String?

    /// `--url`, else `AAM_URL`, else the daemon's default address.
    var url: String { urlOption ?? ProcessInfo.processInfo.environment["AAM_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080" }

    @Option(name: .customLong("token-env"), help: "Environment variable holding the admin token.")
    var tokenEnv: String = "AAM_ADMIN_TOKEN"
}
