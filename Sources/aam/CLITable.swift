import Foundation

/// The `table` output of every `aam` command: a header row of capitalized column names, then one
/// row per item, left-aligned columns two spaces apart (what `kubectl get` and `gh … list`
/// print). Pure, so the layout is tested without a daemon.
struct CLITable: Sendable {
    /// A column: its header and how to read its cell from one admin API JSON object.
    struct Column: Sendable {
        let header: String
        let cell: @Sendable ([String: Any]) -> String

        init(_ header: String, _ cell: @escaping @Sendable ([String: Any]) -> String) {
            self.header = header
            self.cell = cell
        }

        /// The cell is the object's `field` (see `CLITable.text`).
        init(_ header: String, field: String) {
            self.init(header) { CLITable.text($0[field]) }
        }
    }

    let columns: [Column]

    /// The header and one row per object.
    func render(_ objects: [[String: Any]]) -> String {
        Self.render([columns.map(\.header)] + objects.map { object in columns.map { $0.cell(object) } })
    }

    /// One object as a FIELD/VALUE table, a row per column: what a `show` command prints, where
    /// one wide row would wrap.
    func renderFields(_ object: [String: Any]) -> String {
        Self.render([["FIELD", "VALUE"]] + columns.map { [$0.header, $0.cell(object)] })
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded (no trailing
    /// blanks). Every row has the first row's number of cells.
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// One JSON value as a cell: absent or null is `-`, a list is comma separated, a boolean is
    /// `yes`/`no`, a number as JSON writes it. Line breaks and tabs become spaces so one row stays
    /// one line.
    static func text(_ value: Any?) -> String {
        let raw: String
        switch value {
        case nil, is NSNull: return "-"
        case let string as String: raw = string.isEmpty ? "-" : string
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumber too, of Objective-C type `c` (char).
            if String(cString: number.objCType) == "c" { return number.boolValue ? "yes" : "no" }
            raw = number.stringValue
        case let list as [Any]: raw = list.isEmpty ? "-" : list.map { text($0) }.joined(separator: ",")
        case let object as [String: Any]: raw = object.isEmpty ? "-" : object.keys.sorted().map { "\($0)=\(text(object[$0]))" }.joined(separator: ",")
        case let other?: raw = String(describing: other)
        }
        return String(raw.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
