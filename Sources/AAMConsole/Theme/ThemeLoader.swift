import Foundation

/// Finds and reads `NAME.theme` files. The only file access in this module, kept apart from
/// the pure parser so the app decides where themes live.
public enum ThemeLoader {
    public struct Loaded: Sendable {
        public var theme: Theme
        /// Parser warnings prefixed with the file path, or why the built-in default was used.
        public var warnings: [String]
    }

    /// Where to look, in order: `$AAM_THEMES_DIR`, `./themes`, `themes` next to the executable
    /// and one level up (a checkout's `.build/debug/aam` finds the repository's `themes/`).
    public static func defaultDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var directories: [String] = []
        if let configured = environment["AAM_THEMES_DIR"] { directories.append(configured) }
        directories.append(FileManager.default.currentDirectoryPath + "/themes")
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for up in 0...3 {
            var url = executable
            for _ in 0..<up { url = url.deletingLastPathComponent() }
            directories.append(url.appendingPathComponent("themes").path)
        }
        return directories
    }

    /// The theme `name` from the first directory that has it; the built-in dark theme (with a
    /// warning) when none does. Only plain names are accepted (no paths).
    public static func load(name: String, directories: [String] = defaultDirectories()) -> Loaded {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return Loaded(theme: .dark, warnings: ["theme name \"\(name)\" is not a plain name; using the built-in dark theme"])
        }
        for directory in directories {
            let path = directory + "/" + name + ".theme"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let parsed = ThemeParser.parse(String(decoding: data, as: UTF8.self), name: name)
            return Loaded(theme: parsed.theme, warnings: parsed.warnings.map { "\(path): \($0)" })
        }
        if name == Theme.dark.name { return Loaded(theme: .dark, warnings: []) }
        return Loaded(theme: .dark, warnings: ["theme \"\(name)\" not found; using the built-in dark theme"])
    }
}
