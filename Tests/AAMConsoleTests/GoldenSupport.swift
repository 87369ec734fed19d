import Foundation
import Testing
@testable import AAMConsole

/// Compares rendered frames with `Golden/NAME.txt`. With `AAM_UPDATE_GOLDEN=1` the files are
/// (re)written in the source tree instead, to be reviewed and committed.
enum Golden {
    static var directory: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden") }

    /// The frame as text: one line per row, with a right border so trailing spaces are visible.
    static func text(_ grid: ScreenGrid) -> String {
        grid.lines.map { $0 + "|" }.joined(separator: "\n") + "\n"
    }

    /// One code per cell saying its role (see `code(for:)`); selected cells are upper case.
    /// Every cell counts, including the second half of a wide character, so rows stay aligned.
    static func roles(_ grid: ScreenGrid) -> String {
        grid.rows.map { row in
            String(row.map { cell -> Character in
                let code = code(for: cell.role)
                return cell.selected ? Character(code.uppercased()) : code
            }) + "|"
        }.joined(separator: "\n") + "\n"
    }

    static func code(for role: ThemeRole) -> Character {
        switch role {
        case .mainBackground: "_"
        case .mainForeground: "f"
        case .title: "t"
        case .border: "b"
        case .statusOK: "o"
        case .statusCooldown: "c"
        case .statusError: "e"
        case .statusDrained: "d"
        case .spendBarLow: "l"
        case .spendBarMid: "m"
        case .spendBarHigh: "h"
        case .rowSelectedBackground: "s"
        case .rowSelectedForeground: "r"
        case .guardrailHit: "g"
        case .muted: "u"
        case .keyHint: "k"
        }
    }

    static func check(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["AAM_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let bundled = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Golden") ?? url
        guard let expected = try? String(contentsOf: bundled, encoding: .utf8) else {
            Issue.record("missing golden file Golden/\(name).txt (run with AAM_UPDATE_GOLDEN=1 to create it)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(expectedLines.count, actualLines.count)).first { expectedLines[$0] != actualLines[$0] } ?? min(expectedLines.count, actualLines.count)
            let expectedLine = first < expectedLines.count ? String(expectedLines[first]) : "<none>"
            let actualLine = first < actualLines.count ? String(actualLines[first]) : "<none>"
            Issue.record("""
                \(name): frame differs from Golden/\(name).txt at line \(first + 1)
                expected: \(expectedLine)
                actual:   \(actualLine)
                (AAM_UPDATE_GOLDEN=1 rewrites the file; review the diff before committing)
                """, sourceLocation: sourceLocation)
        }
    }
}
