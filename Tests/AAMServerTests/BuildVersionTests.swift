import AAMCore
import AAMServer
import Foundation
import Testing

/// `aamd --version` / `aam --version`, the revision stamp behind them (scripts/build-revision,
/// run by the BuildRevision plugin) and `aam_build_info` on /metrics.
@Suite struct BuildVersionTests {
    static var versionLine: Regex<(Substring, Substring, Substring, Substring, Substring?)> { #/^(aamd|aam) (\d+\.\d+\.\d+) \(git ([0-9a-f]{7,}(, dirty)?|unknown)\)$/# }

    @Test func bothExecutablesPrintTheirVersionAndExitZero() async throws {
        var revisions: [String] = []
        for program in ["aamd", "aam"] {
            let run = try await ToolRun.run(ProcessRunner.binaryDirectory.appendingPathComponent(program).path, ["--version"])
            let line = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(run.status == 0, "\(program) --version: \(run.output)")
            let match = try #require(line.wholeMatch(of: Self.versionLine), "\(program) --version printed '\(line)'")
            #expect(match.output.1 == program)
            #expect(match.output.2 == BuildIdentity.releaseVersion)
            revisions.append(String(match.output.3))
        }
        // Both binaries carry the same stamp (one plugin run per build).
        #expect(revisions[0] == revisions[1])
    }

    @Test func aSourceTreeWithoutGitIsStampedUnknown() async throws {
        let tree = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: tree) }
        let stamp = try await Self.stamp(tree)
        #expect(stamp.contains(#"let stampedRevision = "unknown""#), "\(stamp)")
        #expect(stamp.contains("let stampedTreeDirty = false"), "\(stamp)")
    }

    static let hasGit = FileManager.default.isExecutableFile(atPath: "/usr/bin/git")

    @Test(.enabled(if: hasGit, "skipped: /usr/bin/git is missing"))
    func aTarballUnpackedInsideAnotherRepositoryIsNotStampedWithItsRevision() async throws {
        let outer = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: outer) }
        try await Self.git(outer, "init", "-q")
        let tree = outer.appendingPathComponent("aam-0.17.0")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: tree.appendingPathComponent("Package.swift"))
        try await Self.git(outer, "add", ".")
        try await Self.git(outer, "commit", "-q", "-m", "outer")
        #expect(try await Self.stamp(tree).contains(#"let stampedRevision = "unknown""#))
    }

    @Test(.enabled(if: hasGit, "skipped: /usr/bin/git is missing"))
    func aCheckoutIsStampedWithItsCommitAndDirtyStateAndAnUnchangedStampIsNotRewritten() async throws {
        let tree = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: tree) }
        let file = tree.appendingPathComponent("Package.swift")
        try Data("one\n".utf8).write(to: file)
        try await Self.git(tree, "init", "-q")
        try await Self.git(tree, "add", "Package.swift")
        try await Self.git(tree, "commit", "-q", "-m", "first")
        let head = try await Self.git(tree, "rev-parse", "--short=7", "HEAD")
        let output = tree.appendingPathComponent("out/BuildRevision.swift")

        var stamp = try await Self.stamp(tree, into: output)
        #expect(stamp.contains("let stampedRevision = \"\(head)\""), "\(stamp)")
        #expect(stamp.contains("let stampedTreeDirty = false"), "\(stamp)")

        // An untracked file does not make the tree dirty (as with `git describe --dirty`) and
        // leaves the stamp untouched: same inode, same modification time, so no rebuild.
        try Data("scratch\n".utf8).write(to: tree.appendingPathComponent("notes.txt"))
        let before = try FileManager.default.attributesOfItem(atPath: output.path)
        let past = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: output.path)
        stamp = try await Self.stamp(tree, into: output)
        let after = try FileManager.default.attributesOfItem(atPath: output.path)
        #expect(stamp.contains("let stampedTreeDirty = false"))
        #expect((after[.systemFileNumber] as? Int) == (before[.systemFileNumber] as? Int))
        #expect(abs(((after[.modificationDate] as? Date) ?? Date()).timeIntervalSince(past)) < 1, "the unchanged stamp was rewritten")

        // A changed tracked file does.
        try Data("two\n".utf8).write(to: file)
        stamp = try await Self.stamp(tree, into: output)
        #expect(stamp.contains("let stampedRevision = \"\(head)\""))
        #expect(stamp.contains("let stampedTreeDirty = true"), "\(stamp)")
    }

    @Test func metricsNameTheBuild() async throws {
        let gateway = try await GatewayHarness.start { $0.build = BuildIdentity(revision: "abc1234", dirty: true) }
        do {
            let text = try await MetricsEndpointTests.scrape(gateway) { $0.contains("aam_build_info") }
            #expect(text.contains("# TYPE aam_build_info gauge\n"))
            #expect(MetricsEndpointTests.value(text, "aam_build_info{version=\"\(BuildIdentity.releaseVersion)\",revision=\"abc1234-dirty\"}") == 1)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    // MARK: Helpers

    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-stamp-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs scripts/build-revision on `tree` as the plugin does and returns what it wrote.
    static func stamp(_ tree: URL, into output: URL? = nil) async throws -> String {
        let output = output ?? tree.appendingPathComponent(".stamp/BuildRevision.swift")
        let script = ToolRun.repositoryRoot.appendingPathComponent("scripts/build-revision").path
        let run = try await ToolRun.run("/bin/sh", [script, tree.path, output.path])
        #expect(run.status == 0, "build-revision: \(run.output)")
        return try String(contentsOf: output, encoding: .utf8)
    }

    /// Runs git in `directory` with a throwaway identity; returns its trimmed output.
    @discardableResult
    static func git(_ directory: URL, _ arguments: String...) async throws -> String {
        let run = try await ToolRun.run(
            "/usr/bin/git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"] + arguments,
            directory: directory)
        guard run.status == 0 else { throw HarnessError("git \(arguments.joined(separator: " ")): \(run.output)") }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
