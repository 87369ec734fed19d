import Foundation
import Testing

/// Shell completions (`aam --generate-completion-script bash|zsh|fish`, same for aamd) and the
/// help dump scripts/man turns into man pages, from the built executables.
@Suite struct CompletionScriptTests {
    static func binary(_ name: String) -> String { ProcessRunner.binaryDirectory.appendingPathComponent(name).path }

    /// The subcommands `aam` declares, read from its own help dump (what scripts/man renders).
    static func subcommands(of tool: String) async throws -> [String] {
        let run = try await ToolRun.run(binary(tool), ["--experimental-dump-help"])
        #expect(run.status == 0, "\(run.output.prefix(500))")
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let command = try #require(dump["command"] as? [String: Any])
        #expect(command["commandName"] as? String == tool)
        return ((command["subcommands"] as? [[String: Any]]) ?? []).compactMap { $0["commandName"] as? String }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func aamCompletesEverySubcommand(shell: String) async throws {
        let names = try await Self.subcommands(of: "aam")
        // The dump itself lists the operator's commands (and not an empty list everything would pass).
        for expected in [
            "status", "keys", "providers", "deployments", "aliases", "usage", "calls", "console", "demo", "policy", "mcp", "audit", "config", "master-key",
        ] {
            #expect(names.contains(expected), "aam --experimental-dump-help lacks \(expected): \(names)")
        }
        let run = try await ToolRun.run(Self.binary("aam"), ["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.output.prefix(500))")
        for name in names where name != "help" {
            #expect(run.output.contains(name), "the \(shell) completion for aam does not name '\(name)'")
        }
        // Second-level commands too.
        for nested in ["rotate", "revoke", "drain", "undrain", "verify", "tail", "show"] {
            #expect(run.output.contains(nested), "the \(shell) completion for aam does not name '\(nested)'")
        }
        try await Self.checkSyntax(run.output, shell: shell)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func aamdCompletesItsFlags(shell: String) async throws {
        let run = try await ToolRun.run(Self.binary("aamd"), ["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.output.prefix(500))")
        for flag in ["config", "listen", "admin-listen", "database", "control-socket", "mtls-listen", "version"] {
            #expect(run.output.contains(flag), "the \(shell) completion for aamd does not name --\(flag)")
        }
        try await Self.checkSyntax(run.output, shell: shell)
    }

    /// Parses the script with its shell without running it (`-n`), where that shell is installed.
    static func checkSyntax(_ script: String, shell: String) async throws {
        let path = "/usr/bin/\(shell)"
        guard FileManager.default.isExecutableFile(atPath: path) else { return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aam-completion-\(UUID().uuidString.prefix(8)).\(shell)")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await ToolRun.run(path, ["-n", file.path])
        #expect(run.status == 0 && run.output.isEmpty, "\(shell) -n: \(run.output)")
    }
}
