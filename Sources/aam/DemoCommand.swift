import AAMCore
import AAMSecrets
import AAMServer
import ArgumentParser
import Foundation
import Logging

/// `aam demo`: a complete local installation, offline: the daemon with the simulated providers
/// of `sample-data/aam.yaml`, a traffic generator over real loopback HTTP, and the operator
/// console on the demo's control socket (or, without a terminal, `--no-console` or with
/// `--duration`, a live one-line summary). Quitting the console ends the demo.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a complete offline installation: daemon, simulated vendors, traffic.")

    @Option(help: "The demo config.") var config: String = "sample-data/aam.yaml"
    @Option(help: "Listen port on 127.0.0.1 (0 picks a free one).") var port: Int = 8080
    @Option(name: .customLong("data-dir"), help: "Where the demo keeps its database and generated secrets.")
    var dataDir: String = "./aam-data/demo"
    @Option(help: "Requests per second sent by the traffic generator (0 for none).") var rate: Double = 4
    @Option(help: "Stop after this many seconds (0 runs until Ctrl-C).") var duration: Double = 0
    @Flag(name: .customLong("no-console"), help: "Print a live summary instead of opening the console.") var noConsole = false
    @Option(help: "Console theme.") var theme: String = "dark"

    /// The console needs a terminal; scripted runs (`--duration`) keep the plain summary.
    var opensConsole: Bool { !noConsole && duration == 0 && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: config) else {
            throw CLIError("cannot find \(config): run `aam demo` from the repository root or pass --config")
        }
        let secrets = try DemoSecrets.prepare(in: dataDir)
        var environment = ProcessInfo.processInfo.environment
        environment["AAM_DEMO_KEY"] = secrets.demoKey
        environment["AAM_ADMIN_TOKEN"] = secrets.adminToken
        var options = DaemonOptions(masterKey: try MasterKey(base64: secrets.masterKey), environment: environment)
        options.port = port
        options.configPath = config
        options.database = "sqlite:\(dataDir)/aam.db"
        options.controlSocket = "\(dataDir)/control.sock"
        let console = opensConsole
        if console {
            // Curses owns the screen: the daemon's warnings go to a file instead of over it.
            try DemoLog.redirectStandardError(to: "\(dataDir)/demo.log")
        }
        LogSetup.bootstrap(level: "warning", format: "text")
        let logger = Logger(label: "aam-demo")
        let gateway: Gateway
        do { gateway = try await Gateway.build(options: options, logger: logger) } catch let error as StartupError {
            throw CLIError(error.message)
        }
        let summary = DemoSummary(bus: gateway.runtime.bus)
        let (started, startedContinuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // With the console, Ctrl-C reaches the console (which restores the terminal first).
                try await gateway.run(handleSignals: !console) { port in startedContinuation.yield(port); startedContinuation.finish() }
            }
            var iterator = started.makeAsyncIterator()
            guard let boundPort = await iterator.next() else { return }
            let base = "http://127.0.0.1:\(boundPort)"
            if !console {
                DemoBanner.print(base: base, secrets: secrets, dataDir: dataDir)
                group.addTask { await summary.run() }
            }
            if rate > 0 {
                group.addTask { await TrafficGenerator(baseURL: base, key: secrets.demoKey, rate: rate).run() }
            }
            if console {
                do {
                    try await ConsoleCommand.open(socket: options.controlSocket, theme: theme, themesDir: nil)
                } catch {
                    await gateway.stop()
                    throw error
                }
                await gateway.stop()
            } else if duration > 0 {
                try await Task.sleep(for: .seconds(duration))
                await gateway.stop()
            }
            // The gateway's task ends on SIGINT/SIGTERM (or the stop above); then stop the rest.
            try await group.next()
            group.cancelAll()
        }
        if !console { print("\n" + summary.line()) }
        if console { print("the demo's virtual key and admin token are in \(dataDir) (demo.key, admin.token); its log in \(dataDir)/demo.log") }
        print("demo stopped")
    }
}

enum DemoLog {
    /// Points stderr (fd 2) at `path`, appending, so log lines never draw over the console.
    static func redirectStandardError(to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else { throw CLIError("cannot open \(path) for the demo's log") }
        dup2(descriptor, STDERR_FILENO)
        close(descriptor)
    }
}

/// The demo's generated secrets, kept in its data folder (mode 0600) so restarts reuse them.
struct DemoSecrets {
    let masterKey: String
    let adminToken: String
    let demoKey: String

    static func prepare(in directory: String) throws -> DemoSecrets {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func secret(_ name: String, _ make: () -> String) throws -> String {
            let path = "\(directory)/\(name)"
            if let data = FileManager.default.contents(atPath: path) {
                return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let value = make()
            guard FileManager.default.createFile(atPath: path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write \(path)")
            }
            return value
        }
        return DemoSecrets(
            masterKey: try secret("master.key", MasterKey.generateBase64),
            adminToken: try secret("admin.token") { "adm-" + Identifiers.random(32) },
            demoKey: try secret("demo.key", VirtualKeyFormat.generate))
    }
}

enum DemoBanner {
    static func print(base: String, secrets: DemoSecrets, dataDir: String) {
        Swift.print("""
            AAM demo is running at \(base) (simulated vendors, offline).

              virtual key   \(secrets.demoKey)
              admin token   \(secrets.adminToken)   (also in \(dataDir)/admin.token)

            Try it:
              curl -s \(base)/v1/chat/completions -H "Authorization: Bearer \(secrets.demoKey)" \\
                -H "content-type: application/json" -d '{"model":"fast","messages":[{"role":"user","content":"Hello"}]}'
              curl -s \(base)/admin/providers -H "Authorization: Bearer \(secrets.adminToken)"

            Ctrl-C stops the demo.

            """)
    }
}
