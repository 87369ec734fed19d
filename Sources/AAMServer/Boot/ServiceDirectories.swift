import Foundation

/// Where `aamd` keeps its files when no flag says: under systemd, the directories its unit
/// declares (`StateDirectory=` → `$STATE_DIRECTORY`, `RuntimeDirectory=` → `$RUNTIME_DIRECTORY`,
/// `ConfigurationDirectory=` → `$CONFIGURATION_DIRECTORY`; see packaging/systemd/aamd.service),
/// otherwise `./aam-data` (development: everything in one folder next to the checkout).
///
/// | what                      | development                | systemd service            |
/// |---------------------------|----------------------------|----------------------------|
/// | database (`--database`)   | `sqlite:./aam-data/aam.db` | `sqlite:/var/lib/aam/aam.db` |
/// | evidence spool            | `./aam-data/spool`         | `/var/lib/aam/spool`       |
/// | control socket            | `./aam-data/control.sock`  | `/run/aam/control.sock`    |
/// | config file (`--config`)  | none                       | `/etc/aam/aam.yaml` if it exists |
public struct ServiceDirectories: Sendable, Equatable {
    /// The development folder, relative to the working directory.
    public static let development = "./aam-data"

    /// Database, evidence spool, replica roster: kept across restarts.
    public var state: String
    /// The control socket: gone at reboot.
    public var runtime: String
    /// Where the config file is looked for when `--config` is not given (nil: not looked for).
    public var configuration: String?

    public init(environment: [String: String]) {
        state = Self.first(environment["STATE_DIRECTORY"]) ?? Self.development
        runtime = Self.first(environment["RUNTIME_DIRECTORY"]) ?? state
        configuration = Self.first(environment["CONFIGURATION_DIRECTORY"])
    }

    /// `sqlite:STATE/aam.db`.
    public var database: String { "sqlite:\(state)/aam.db" }
    /// `RUNTIME/control.sock`.
    public var controlSocket: String { "\(runtime)/control.sock" }
    /// `CONFIGURATION/aam.yaml`, when a configuration directory is set.
    public var configFile: String? { configuration.map { "\($0)/aam.yaml" } }

    /// `configFile` if it exists: the config a service applies without `--config`.
    public func existingConfigFile(exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        configFile.flatMap { exists($0) ? $0 : nil }
    }

    /// systemd passes a colon-separated list when a unit declares several directories; the
    /// first is aam's.
    private static func first(_ value: String?) -> String? {
        guard let value, let first = value.split(separator: ":").first, !first.isEmpty else { return nil }
        var path = String(first)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
