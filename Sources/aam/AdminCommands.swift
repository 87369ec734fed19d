import AAMConfig
import AAMControlProtocol
import AAMSecrets
import ArgumentParser
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Daemon health, providers and aliases.")
    @OptionGroup var admin: AdminOptions
    @Option(
        help: "Control socket path; by default AAM_CONTROL_SOCKET, else ./aam-data/control.sock or /run/aam/control.sock when it exists, else the admin API is used.")
    var socket: String?

    func run() async throws {
        if let path = ControlSocketLocator.locate(explicit: socket) {
            do {
                try await ControlStatus.run(path: path)
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
        print("daemon \(admin.url): \(health.status == 200 ? "ready" : "not ready (\(health.status))")")
        let providers = try await client.expect(.GET, "/admin/providers")
        for provider in providers.json as? [[String: Any]] ?? [] {
            let drained = (provider["drained"] as? Bool) == true ? " DRAINED" : ""
            print("  provider \(provider["name"] ?? "?") [\(provider["protocol"] ?? "?")]\(drained) deployments: \((provider["deployments"] as? [String] ?? []).joined(separator: ", "))")
        }
        let aliases = try await client.expect(.GET, "/admin/aliases")
        for alias in aliases.json as? [[String: Any]] ?? [] {
            print("  alias \(alias["name"] ?? "?") strategy=\(alias["strategy"] ?? "?") fallbacks=\((alias["fallbacks"] as? [String] ?? []).joined(separator: ","))")
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Config file tools.", subcommands: [Check.self])

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

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Virtual keys.", subcommands: [Create.self, List.self, Revoke.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        @Option var org: String
        @Option var team: String?
        @Option var project: String?
        @Option var name: String?
        @Option(help: "Allowed aliases, comma separated.") var models: String?

        func run() async throws {
            var body: [String: Any] = ["orgId": org]
            if let team { body["teamId"] = team }
            if let project { body["projectId"] = project }
            if let name { body["name"] = name }
            if let models { body["models"] = models.split(separator: ",").map(String.init) }
            printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/keys", json: body))
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        func run() async throws { printJSON(try await AdminClient(options: admin).expect(.GET, "/admin/keys")) }
    }

    struct Revoke: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        @Argument var id: String
        func run() async throws { printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/keys/\(id)/revoke")) }
    }

    struct Rotate: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        @Argument var id: String
        @Option(help: "Seconds the old secret keeps working.") var grace: Int = 0
        func run() async throws {
            printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/keys/\(id)/rotate", json: ["gracePeriodSeconds": grace]))
        }
    }
}

struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "Upstream providers.", subcommands: [List.self, Drain.self, Undrain.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        func run() async throws { printJSON(try await AdminClient(options: admin).expect(.GET, "/admin/providers")) }
    }

    struct Drain: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        @Argument var name: String
        func run() async throws { printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/providers/\(name)/drain")) }
    }

    struct Undrain: AsyncParsableCommand {
        @OptionGroup var admin: AdminOptions
        @Argument var name: String
        func run() async throws { printJSON(try await AdminClient(options: admin).expect(.POST, "/admin/providers/\(name)/undrain")) }
    }
}

struct MasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master-key", abstract: "Master key tools.", subcommands: [Generate.self, Rewrap.self])

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
