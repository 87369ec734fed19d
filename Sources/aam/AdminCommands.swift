import AAMConfig
import AAMControlProtocol
import AAMSecrets
import ArgumentParser
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Daemon health, providers and aliases.",
        discussion: "Over the control socket when there is one (no token needed), else over the admin API.")
    @OptionGroup var admin: AdminOptions
    @OptionGroup var output: OutputOptions
    @Option(
        help: "Control socket path; by default AAM_CONTROL_SOCKET, else ./aam-data/control.sock or /run/aam/control.sock when it exists, else the admin API is used.")
    var socket: String?

    func run() async throws {
        if let path = ControlSocketLocator.locate(explicit: socket) {
            do {
                try await ControlStatus.run(path: path, json: output.isJSON)
                return
            } catch let error as ControlClientError {
                // An explicit --socket (or AAM_CONTROL_SOCKET) must work; a stale default socket
                // falls back to the admin API.
                guard socket == nil, ProcessInfo.processInfo.environment["AAM_CONTROL_SOCKET"] == nil else {
                    FileHandle.standardError.write(Data("aam status: \(error)\n".utf8))
                    throw ExitCode(1)
                }
                FileHandle.standardError.write(Data("aam status: control socket unusable (\(error)); using the admin API\n".utf8))
            }
        }
        let client = AdminClient(options: admin)
        let health = try await client.send(.GET, "/readyz")
        let providers = try await client.expect(.GET, "/admin/providers")
        let aliases = try await client.expect(.GET, "/admin/aliases")
        if output.isJSON {
            return printJSON(["url": admin.url, "ready": health.status == 200, "providers": providers.json ?? [], "aliases": aliases.json ?? []] as [String: Any])
        }
        print("daemon \(admin.url): \(health.status == 200 ? "ready" : "not ready (\(health.status))")\n")
        output.emit(providers, ProvidersCommand.columns, empty: "no providers")
        print("")
        output.emit(aliases, AliasesCommand.columns, empty: "no aliases")
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Config file tools (offline: no daemon needed).", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a config file; errors name file, line and field.")
        @Argument(help: "The YAML config file.") var file: String

        func run() async throws {
            do {
                let loaded = try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
                let state = loaded.state
                print("\(file): OK (\(state.providers.count) providers, \(state.deployments.count) deployments, \(state.aliasNames.count) aliases, \(state.orgs.count) orgs, \(state.keys.count) keys, \(state.workloads.count) workloads, \(loaded.policies.count) policies, \(state.mcpServers.count) MCP servers)")
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}

struct MasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master-key", abstract: "Master key tools: generate one, re-wrap the stored credentials under a new one.",
        subcommands: [Generate.self, Rewrap.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new random master key (base64 of 32 bytes).")
        func run() async throws { print(MasterKey.generateBase64()) }
    }

    struct Rewrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every data key under a new master key, live (the daemon reads the file on its host).")
        @OptionGroup var admin: AdminOptions
        @Option(name: .customLong("new-key-file"), help: "File with the new master key (base64).") var newKeyFile: String
        func run() async throws {
            let path = URL(fileURLWithPath: newKeyFile).standardizedFileURL.path
            printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/master-key/rewrap", json: ["newKeyFile": path]))
            print("Now point AAM_MASTER_KEY_FILE at \(path) for the next start.")
        }
    }
}
