import AAMConfig
import AAMCore
import Foundation

/// What `aamd` resolves before it starts, from its flags, the environment and the config file
/// (`--config`, `AAM_CONFIG`, or the service's own file under systemd), with the one precedence
/// of `DaemonSettingsResolver`. A normal start and `aamd --print-config` both come through here,
/// so a bad value gets the same message either way.
public struct DaemonConfiguration: Sendable {
    public var options: DaemonOptions
    public var settings: ResolvedDaemonSettings

    /// `flags` holds the flags given, by `DaemonSetting.name` (a switch as "true" when given).
    public static func load(flags: [String: String], environment: [String: String]) throws(StartupError) -> DaemonConfiguration {
        let readFile: (String) -> String? = { path in
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }
        let defaults = DaemonOptions.settingDefaults(
            environment: environment, configFile: ServiceDirectories(environment: environment).existingConfigFile())
        // The file's own path, and the loopback switch its URLs are checked under, come first.
        func early(_ name: String) throws(StartupError) -> String? {
            try DaemonSettingsResolver.resolve(
                .named(name), flags: flags, environment: environment, file: [:], defaults: defaults, readFile: readFile
            ).value
        }
        var file: [String: String] = [:]
        if let path = try early("config") {
            let loopback = try early("allow-loopback-upstreams").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
            do {
                file = try ConfigLoader.load(path: path, environment: environment, outbound: OutboundURLPolicy(allowLoopback: loopback))
                    .server.keyedValues
            } catch {
                throw StartupError("invalid config:\n\(error.description)")
            }
        }
        let settings = try DaemonSettingsResolver.resolve(
            flags: flags, environment: environment, file: file, defaults: defaults, readFile: readFile)
        var options = DaemonOptions(masterKey: try DaemonOptions.masterKey(from: settings["master-key"].value), environment: environment)
        try options.apply(settings)
        return DaemonConfiguration(options: options, settings: settings)
    }
}
