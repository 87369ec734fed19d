/// Reads `themes/*.theme` files (the btop format): `theme[role]="#rrggbb"` lines, `#` comments,
/// blank lines. Unknown roles and bad values are warned about (with line numbers) and ignored;
/// roles the file leaves out fall back to the built-in dark default. The one non-color key,
/// `theme[monochrome]="true"`, marks a theme drawn with attributes instead of colors.
public enum ThemeParser {
    public struct Warning: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Parsed: Sendable, Equatable {
        public var theme: Theme
        public var warnings: [Warning]
    }

    public static func parse(_ text: String, name: String) -> Parsed {
        var colors: [ThemeRole: RGBColor] = [:]
        var monochrome = false
        var warnings: [Warning] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]") else {
                warnings.append(Warning(line: lineNumber, message: "expected theme[role]=\"#rrggbb\""))
                continue
            }
            let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            let rest = line[line.index(after: close)...].trimmingWhitespace()
            guard rest.hasPrefix("=") else {
                warnings.append(Warning(line: lineNumber, message: "expected = after theme[\(key)]"))
                continue
            }
            var value = rest.dropFirst().trimmingWhitespace()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if key == "monochrome" {
                switch value {
                case "true": monochrome = true
                case "false": monochrome = false
                default: warnings.append(Warning(line: lineNumber, message: "monochrome must be \"true\" or \"false\", got \"\(value)\""))
                }
                continue
            }
            guard let role = ThemeRole(rawValue: key) else {
                warnings.append(Warning(line: lineNumber, message: "unknown role \"\(key)\" (ignored)"))
                continue
            }
            guard let color = RGBColor(hex: value) else {
                warnings.append(Warning(line: lineNumber, message: "bad color \"\(value)\" for \(key), expected \"#rrggbb\""))
                continue
            }
            colors[role] = color
        }
        return Parsed(theme: Theme(name: name, colors: colors, monochrome: monochrome), warnings: warnings)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }
}
