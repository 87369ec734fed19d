import Foundation
import Testing
@testable import AAMConsole

@Suite("Themes: parsing, fallback, degradation, monochrome")
struct ThemeTests {
    static var themesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("themes").path
    }

    @Test("the shipped dark, light and mono themes parse without warnings and set every role", arguments: ["dark", "light", "mono"])
    func shipped(_ name: String) throws {
        let text = try String(contentsOfFile: Self.themesDirectory + "/\(name).theme", encoding: .utf8)
        let parsed = ThemeParser.parse(text, name: name)
        #expect(parsed.warnings == [])
        #expect(Set(parsed.theme.colors.keys) == Set(ThemeRole.allCases))
        #expect(parsed.theme.monochrome == (name == "mono"))
    }

    @Test("every role in a shipped theme has a comment line above it")
    func commented() throws {
        for name in Theme.builtInNames {
            let lines = try String(contentsOfFile: Self.themesDirectory + "/\(name).theme", encoding: .utf8).split(separator: "\n")
            for (index, line) in lines.enumerated() where line.hasPrefix("theme[") {
                #expect(index > 0 && lines[index - 1].hasPrefix("# "), "\(name).theme: \(line) has no comment")
            }
        }
    }

    @Test("the built-in dark theme equals themes/dark.theme")
    func builtInMatchesFile() throws {
        let text = try String(contentsOfFile: Self.themesDirectory + "/dark.theme", encoding: .utf8)
        #expect(ThemeParser.parse(text, name: "dark").theme == Theme.dark)
    }

    @Test("unknown roles and bad values are warned about with line numbers; missing roles fall back to dark")
    func warnings() {
        let text = """
            # comment
            theme[status_ok]="#00ff00"

            theme[status_okay]="#00ff00"
            theme[status_error]="red"
            theme[title]=#123456
            this is not a theme line
            theme[muted]"#111111"
            theme[monochrome]="maybe"
            """
        let parsed = ThemeParser.parse(text, name: "custom")
        #expect(parsed.warnings.map(\.description) == [
            "line 4: unknown role \"status_okay\" (ignored)",
            "line 5: bad color \"red\" for status_error, expected \"#rrggbb\"",
            "line 7: expected theme[role]=\"#rrggbb\"",
            "line 8: expected = after theme[muted]",
            "line 9: monochrome must be \"true\" or \"false\", got \"maybe\"",
        ])
        #expect(parsed.theme.color(for: .statusOK) == RGBColor(red: 0, green: 255, blue: 0))
        #expect(parsed.theme.color(for: .title) == RGBColor(hex: "#123456"))  // unquoted value accepted
        #expect(parsed.theme.color(for: .statusError) == Theme.dark.color(for: .statusError))  // bad value: fallback
        #expect(parsed.theme.color(for: .keyHint) == Theme.dark.color(for: .keyHint))  // missing: fallback
    }

    @Test("the loader finds a theme by name and falls back to dark with a warning")
    func loader() {
        let found = ThemeLoader.load(name: "light", directories: ["/nonexistent", Self.themesDirectory])
        #expect(found.theme.name == "light" && found.warnings.isEmpty)
        #expect(found.theme.color(for: .mainBackground) == RGBColor(hex: "#fafafa"))
        let missing = ThemeLoader.load(name: "neon", directories: [Self.themesDirectory])
        #expect(missing.theme == .dark)
        #expect(missing.warnings == ["theme \"neon\" not found; using the built-in dark theme"])
        #expect(ThemeLoader.load(name: "../etc/passwd", directories: [Self.themesDirectory]).theme == .dark)
    }

    @Test("RGB colors degrade to the nearest xterm-256 cube or grey entry")
    func xterm256() {
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#000000")!) == 16)
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#ffffff")!) == 231)
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#ff0000")!) == 196)
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#5f87af")!) == 67)
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#808080")!) == 244)
        #expect(ColorDegradation.xterm256Index(for: RGBColor(hex: "#3b4252")!) == 238)
    }

    @Test("on 16 and 8 colors the hue survives: ok stays green, cooldown yellow, error red")
    func ansi() {
        let dark = Theme.dark
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .statusOK)) == 2)
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .statusCooldown)) == 11)
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .statusError)) == 1)
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .guardrailHit)) == 5)
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .mainBackground)) == 0)
        #expect(ColorDegradation.ansi16Index(for: dark.color(for: .mainForeground)) == 15)
        #expect(ColorDegradation.ansi8Index(for: dark.color(for: .mainForeground)) == 7)
        #expect(ColorDegradation.ansi8Index(for: dark.color(for: .statusCooldown)) == 3)
        #expect(ColorDegradation.ansi16Index(for: RGBColor(hex: "#808080")!) == 8)
        let light = Theme(name: "l", colors: [.statusOK: RGBColor(hex: "#1a7f37")!, .statusError: RGBColor(hex: "#cf222e")!])
        #expect(ColorDegradation.ansi8Index(for: light.color(for: .statusOK)) == 2)
        #expect(ColorDegradation.ansi8Index(for: light.color(for: .statusError)) == 1)
    }

    @Test("monochrome themes map roles to attributes; color themes use none")
    func monochrome() {
        let mono = Theme(name: "mono", colors: [:], monochrome: true)
        #expect(mono.attributes(for: .title) == [.bold])
        #expect(mono.attributes(for: .muted) == [.dim])
        #expect(mono.attributes(for: .statusCooldown) == [.underline])
        #expect(mono.attributes(for: .statusOK, selected: true) == [.reverse])
        #expect(Theme.dark.attributes(for: .title) == [])
        // Roles a color can tell apart stay apart without color.
        let distinct = [ThemeRole.statusOK, .statusCooldown, .statusError, .statusDrained].map { mono.attributes(for: $0) }
        #expect(Set(distinct.map(\.rawValue)).count == 4)
    }
}
