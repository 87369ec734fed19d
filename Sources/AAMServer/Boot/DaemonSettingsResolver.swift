/// Where an effective `aamd` setting came from.
public enum SettingSource: String, Sendable, Equatable {
    case flag
    case environment = "env"
    case file
    case `default`
}

/// One setting's effective value and its origin (`--listen`, `AAM_LISTEN`,
/// `AAM_ADMIN_TOKEN_FILE`, `server.listen`; empty for a default).
public struct ResolvedSetting: Sendable, Equatable {
    public var value: String?
    public var source: SettingSource
    public var origin: String

    public init(value: String?, source: SettingSource, origin: String = "") {
        self.value = value
        self.source = source
        self.origin = origin
    }
}

/// Every setting of `DaemonSetting.all`, resolved, in table order.
public struct ResolvedDaemonSettings: Sendable, Equatable {
    public var entries: [(setting: DaemonSetting, resolved: ResolvedSetting)]

    public subscript(_ name: String) -> ResolvedSetting {
        guard let entry = entries.first(where: { $0.setting.name == name }) else { preconditionFailure("no aamd setting \(name)") }  // trap-ok: callers name settings by literals of this code, never by input
        return entry.resolved
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.entries.map(\.setting) == rhs.entries.map(\.setting) && lhs.entries.map(\.resolved) == rhs.entries.map(\.resolved)
    }
}

/// The one precedence of `aamd` settings: **flag > environment > config file > default**.
///
/// Pure: the caller hands in the parsed flags, the environment, the file's `server:` values (by
/// key) and the defaults; `readFile` reads a secret's `…_FILE` (nil when it cannot).
/// - An empty environment variable counts as unset (a templated unit may leave one blank).
/// - A secret is `AAM_X`, else the contents of the file named by `AAM_X_FILE` with its
///   trailing newline(s) removed; when both are set, `AAM_X` wins and the file is not read.
///   A named file that cannot be read, or is empty, is an error naming the variable, never a
///   silent fallback to the next source.
public enum DaemonSettingsResolver {
    public static func resolve(
        _ settings: [DaemonSetting] = DaemonSetting.all,
        flags: [String: String], environment: [String: String], file: [String: String],
        defaults: [String: String], readFile: (String) -> String?
    ) throws(StartupError) -> ResolvedDaemonSettings {
        var entries: [(setting: DaemonSetting, resolved: ResolvedSetting)] = []
        for setting in settings {
            entries.append(
                (setting, try resolve(setting, flags: flags, environment: environment, file: file, defaults: defaults, readFile: readFile)))
        }
        return ResolvedDaemonSettings(entries: entries)
    }

    public static func resolve(
        _ setting: DaemonSetting,
        flags: [String: String], environment: [String: String], file: [String: String],
        defaults: [String: String], readFile: (String) -> String?
    ) throws(StartupError) -> ResolvedSetting {
        if setting.hasFlag, let value = flags[setting.name] {
            return ResolvedSetting(value: value, source: .flag, origin: "--" + setting.name)
        }
        if let value = environment[setting.environment], !value.isEmpty {
            return ResolvedSetting(value: value, source: .environment, origin: setting.environment)
        }
        if let variable = setting.fileVariable, let path = environment[variable], !path.isEmpty {
            guard let contents = readFile(path).map(trimmingTrailingNewlines), !contents.isEmpty else {
                throw StartupError("cannot read \(setting.secretNoun) from \(variable)=\(path) (missing, unreadable or empty)")
            }
            return ResolvedSetting(value: contents, source: .environment, origin: variable)
        }
        if let key = setting.serverKey, let value = file[key] {
            return ResolvedSetting(value: value, source: .file, origin: "server." + key)
        }
        return ResolvedSetting(value: defaults[setting.name], source: .default)
    }

    /// Drops the line ending(s) an editor or `echo` leaves at the end of a secret file.
    static func trimmingTrailingNewlines(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text = text.dropLast() }
        return String(text)
    }
}
