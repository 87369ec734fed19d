/// Help: the key-binding table, grouped by where the keys work (generated, never hand-written).
enum HelpViewRenderer {
    static let keyColumnWidth = 14

    static func draw(_ state: ConsoleState, in body: BodyArea, into grid: inout ScreenGrid) {
        let lines = HelpContent.lines
        // On Help the "selection" is the first visible line: j/k scroll.
        let first = min(state.position(for: .help).selected, max(0, lines.count - body.height))
        for (row, line) in lines.dropFirst(first).prefix(body.height).enumerated() {
            let y = body.top + row
            if line.isHeading {
                grid.write(" " + line.text, row: y, column: 0, role: .title, bold: true)
            } else {
                grid.write(TextFit.fit(line.keys, width: keyColumnWidth), row: y, column: 3, role: .keyHint, bold: true)
                let left = 3 + keyColumnWidth + 1
                grid.write(TextFit.fit(line.text, width: grid.width - 1 - left), row: y, column: left)
            }
        }
    }
}
