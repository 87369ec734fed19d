import AAMCore
import AAMSecrets
import AAMServer
import Foundation
import Testing

/// Default paths: `./aam-data` in development, the unit's directories under systemd
/// (`$STATE_DIRECTORY`, `$RUNTIME_DIRECTORY`, `$CONFIGURATION_DIRECTORY`), flags still winning;
/// and `aam status` finding the socket the daemon made without `--socket`.
@Suite struct ServiceDirectoriesTests {
    static let master = try! MasterKey(base64: MasterKey.generateBase64())

    @Test func developmentKeepsEverythingInAamData() {
        let directories = ServiceDirectories(environment: [:])
        #expect(directories.database == "sqlite:./aam-data/aam.db")
        #expect(directories.controlSocket == "./aam-data/control.sock")
        #expect(directories.configFile == nil)
        let options = DaemonOptions(masterKey: Self.master, environment: [:])
        #expect(options.database == "sqlite:./aam-data/aam.db" && options.controlSocket == "./aam-data/control.sock")
        #expect(options.evidence.resolvedSpoolDirectory(database: options.database) == "./aam-data/spool")
        #expect(options.evidence.resolvedSpoolDirectory(database: "postgres://u@db:5432/aam") == "./aam-data/spool-db-5432-aam")
    }

    @Test func aSystemdServiceUsesItsUnitsDirectories() {
        let environment = ["STATE_DIRECTORY": "/var/lib/aam", "RUNTIME_DIRECTORY": "/run/aam/", "CONFIGURATION_DIRECTORY": "/etc/aam:/etc/other"]
        let directories = ServiceDirectories(environment: environment)
        #expect(directories.database == "sqlite:/var/lib/aam/aam.db")
        #expect(directories.controlSocket == "/run/aam/control.sock")
        #expect(directories.configFile == "/etc/aam/aam.yaml")
        #expect(directories.existingConfigFile { _ in false } == nil)
        #expect(directories.existingConfigFile { $0 == "/etc/aam/aam.yaml" } == "/etc/aam/aam.yaml")
        let options = DaemonOptions(masterKey: Self.master, environment: environment)
        #expect(options.database == "sqlite:/var/lib/aam/aam.db" && options.controlSocket == "/run/aam/control.sock")
        #expect(options.evidence.resolvedSpoolDirectory(database: options.database) == "/var/lib/aam/spool")
        #expect(options.evidence.resolvedSpoolDirectory(database: "postgres://u@db:5432/aam") == "/var/lib/aam/spool-db-5432-aam")
        // The environment's database URL still wins over the default.
        let postgres = DaemonOptions(masterKey: Self.master, environment: environment.merging(["AAM_DATABASE_URL": "postgres://u@db/aam"]) { $1 })
        #expect(postgres.database == "postgres://u@db/aam")
        // Only a state directory: the socket lives beside the database.
        #expect(ServiceDirectories(environment: ["STATE_DIRECTORY": "/srv/aam"]).controlSocket == "/srv/aam/control.sock")
    }

    @Test func aamdAsAServiceAndAamStatusWithoutFlags() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aam-dirs-\(Identifiers.random(10))")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = root.appendingPathComponent("var/lib/aam")
        // The runtime directory is named like the development folder so that `aam status` run
        // in `root` finds the socket by its development default as well.
        let runtime = root.appendingPathComponent("aam-data")
        let configuration = root.appendingPathComponent("etc/aam")
        for directory in [state, runtime, configuration] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try "providers:\n  - name: sim\n    protocol: simulated\ndeployments:\n  - { alias: fast, provider: sim, upstreamModel: sim-1 }\n"
            .write(to: configuration.appendingPathComponent("aam.yaml"), atomically: true, encoding: .utf8)
        // No --config, --database or --control-socket: the directories decide.
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--listen", "127.0.0.1:0"],
            environment: [
                "AAM_MASTER_KEY": MasterKey.generateBase64(), "STATE_DIRECTORY": state.path, "RUNTIME_DIRECTORY": runtime.path,
                "CONFIGURATION_DIRECTORY": configuration.path,
            ],
            directory: FileManager.default.temporaryDirectory, loopbackUpstreams: false)
        #expect(await daemon.firstLine(containing: "aamd listening") != nil, "\(daemon.allOutput)")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("aam.db").path))
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("spool").path))
        let socket = runtime.appendingPathComponent("control.sock").path
        #expect(FileManager.default.fileExists(atPath: socket), "\(daemon.allOutput)")

        // `aam status` with no flag: the development default, relative to where it runs...
        let local = try await ToolRun.run(
            ProcessRunner.binaryDirectory.appendingPathComponent("aam").path, ["status"], environment: Self.cleanEnvironment, directory: root)
        #expect(local.status == 0, "\(local.output)")
        // ...showing the deployment of the config file found in the configuration directory.
        #expect(local.output.contains("fast") && local.output.contains("sim"), "\(local.output)")
        #expect(!local.output.contains("using the admin API"), "\(local.output)")
        // AAM_CONTROL_SOCKET names it from anywhere.
        var named = Self.cleanEnvironment
        named["AAM_CONTROL_SOCKET"] = socket
        let anywhere = try await ToolRun.run(
            ProcessRunner.binaryDirectory.appendingPathComponent("aam").path, ["status"], environment: named,
            directory: FileManager.default.temporaryDirectory)
        #expect(anywhere.status == 0 && anywhere.output.contains("fast"), "\(anywhere.output)")
        // A named socket that is not there is an error, not a silent fallback.
        named["AAM_CONTROL_SOCKET"] = root.appendingPathComponent("nothing.sock").path
        let missing = try await ToolRun.run(
            ProcessRunner.binaryDirectory.appendingPathComponent("aam").path, ["status"], environment: named,
            directory: FileManager.default.temporaryDirectory)
        #expect(missing.status == 1, "\(missing.output)")

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.allOutput)")
    }

    /// The test process's environment without AAM_* (a developer's own settings must not leak in).
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") && !$0.key.hasSuffix("_DIRECTORY") }
    }
}
