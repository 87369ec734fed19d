import AAMConsole
import Foundation

/// Where console themes come from and how a name becomes a `Theme`.
///
/// Folders are searched in order: `--themes-dir`, `AAM_THEMES_DIR`, `./themes`, then a `themes`
/// folder beside the executable's checkout (so `.build/debug/aam console` finds the repo's
/// themes from any directory). A name is `NAME.theme` in the first folder that has it; `dark`
/// also exists built in, so the console starts even with no theme files at all.
struct ConsoleThemes: Sendable {
    let directories: [String]
    /// Every theme name available, the built-in order first (dark, light, mono), then the rest.
    let names: [String]

    init(themesDir: String?, environment: [String: String] = ProcessInfo.processInfo.environment, executable: String = CommandLine.arguments[0]) {
        var candidates: [String] = []
        if let themesDir { candidates.append(themesDir) }
        if let fromEnvironment = environment["AAM_THEMES_DIR"], !fromEnvironment.isEmpty { candidates.append(fromEnvironment) }
        candidates.append("./themes")
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("themes").path)
            folder.deleteLastPathComponent()
        }
        var seen = Set<String>()
        directories = candidates.filter { path in
            var isDirectory: ObjCBool = false
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue, seen.insert(standard).inserted
            else { return false }
            return true
        }
        var found = Set(["dark"])
        for directory in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for file in files where file.hasSuffix(".theme") { found.insert(String(file.dropLast(".theme".count))) }
        }
        let preferred = Theme.builtInNames.filter(found.contains)
        names = preferred + found.subtracting(preferred).sorted()
    }

    /// The theme named `name` and the warnings its file produced (unknown roles, bad colors).
    func load(_ name: String) throws -> (theme: Theme, warnings: [String]) {
        for directory in directories {
            let path = "\(directory)/\(name).theme"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let parsed = ThemeParser.parse(String(decoding: data, as: UTF8.self), name: name)
            return (parsed.theme, parsed.warnings.map { "\(name).theme \($0)" })
        }
        if name == "dark" { return (Theme.dark, []) }
        throw CLIError("unknown theme '\(name)': available themes are \(names.joined(separator: ", "))"
            + (directories.isEmpty ? " (no themes folder found; use --themes-dir or AAM_THEMES_DIR)" : " (from \(directories.joined(separator: ", ")))"))
    }
}
