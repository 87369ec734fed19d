import ArgumentParser
import Foundation

/// What `-o` / `--output` chooses: `table` for people (the default, on a terminal or not, so a
/// command prints the same wherever it runs) or `json` for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json
}

/// `-o json|table` of every `aam` command that prints data, in the habit of kubectl and gh.
/// `json` is the admin API's own JSON, pretty-printed with sorted keys (a stable order to diff
/// and to feed `jq`); `table` is aligned columns with a header (`CLITable`).
struct OutputOptions: ParsableArguments {
    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Output format: table (aligned columns with a header) or json (the admin API's JSON, keys sorted).", valueName: "format"))
    var format: OutputFormat = .table

    var isJSON: Bool { format == .json }

    /// Prints an admin reply: its JSON, or its object (or list of objects) as a table. An empty
    /// list prints `empty` on stderr, so a script reading stdout sees nothing rather than a header.
    func emit(_ reply: AdminClient.Reply, _ columns: [CLITable.Column], empty: String) {
        if isJSON { return printJSON(reply) }
        let objects: [[String: Any]]
        switch reply.json {
        case let list as [[String: Any]]: objects = list
        case let object as [String: Any]: objects = [object]
        default: return print(reply.text)
        }
        emit(objects, columns, empty: empty)
    }

    /// One object (`show`): its JSON, or a FIELD/VALUE table of `columns`.
    func emitFields(_ reply: AdminClient.Reply, _ columns: [CLITable.Column]) {
        guard !isJSON, let object = reply.json as? [String: Any] else { return printJSON(reply) }
        print(CLITable(columns: columns).renderFields(object), terminator: "")
    }

    /// The table of `objects` (`table` only; a `json` caller prints its own JSON).
    func emit(_ objects: [[String: Any]], _ columns: [CLITable.Column], empty: String) {
        guard !objects.isEmpty else {
            FileHandle.standardError.write(Data("\(empty)\n".utf8))
            return
        }
        print(CLITable(columns: columns).render(objects), terminator: "")
    }
}

/// Prints JSON prettily with sorted keys (a stable order) for humans and scripts alike.
func printJSON(_ reply: AdminClient.Reply) {
    guard let object = reply.json else { return print(reply.text) }
    printJSON(object)
}

/// Prints any JSON value prettily with sorted keys.
func printJSON(_ object: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    else { return print(object) }
    print(String(decoding: data, as: UTF8.self))
}
