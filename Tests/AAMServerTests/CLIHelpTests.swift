import Foundation
import Testing

/// Every `aam` command has an abstract and every flag and argument a help text (what
/// `aam CMD --help`, the man pages and the completions show), and every command that prints
/// data takes `-o json|table`; read from the binary's own help dump.
@Suite struct CLIHelpTests {
    /// Commands, by path, that print data (a table or JSON).
    static let printing = [
        "status", "keys create", "keys list", "keys show", "keys revoke", "keys rotate", "providers list", "providers show", "providers add",
        "providers credential", "providers drain", "providers undrain", "deployments list", "deployments show", "deployments add",
        "deployments set", "deployments drain", "deployments undrain", "aliases list", "aliases show", "aliases set", "usage", "calls list",
        "calls show", "calls tail", "policy list", "mcp list", "audit list",
    ]

    @Test func everyCommandAndFlagIsExplainedAndEveryListingTakesOutput() async throws {
        let run = try await ToolRun.run(CompletionScriptTests.binary("aam"), ["--experimental-dump-help"])
        #expect(run.status == 0, "\(run.output.prefix(500))")
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        var outputs: [String: Bool] = [:]
        func walk(_ command: [String: Any], _ path: [String]) {
            let name = command["commandName"] as? String ?? "?"
            let here = path + [name]
            let label = here.dropFirst().joined(separator: " ")
            guard name != "help" else { return }
            #expect(!(command["abstract"] as? String ?? "").isEmpty, "aam \(label) has no abstract")
            let arguments = command["arguments"] as? [[String: Any]] ?? []
            for argument in arguments where argument["shouldDisplay"] as? Bool != false {
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                #expect(!(argument["abstract"] as? String ?? "").isEmpty, "aam \(label): \(names.first ?? argument["valueName"] as? String ?? "?") has no help")
            }
            outputs[label] = arguments.contains { ($0["names"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "output" } }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, here) }
        }
        walk(try #require(dump["command"] as? [String: Any]), [])
        #expect(outputs.count > 40, "\(outputs.keys.sorted())")
        for path in Self.printing { #expect(outputs[path] == true, "aam \(path) takes no -o/--output") }
    }
}
