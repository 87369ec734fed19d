import Foundation
import Synchronization
import Testing

/// A Postgres server of one test's own, from `scripts/with-postgres --control`: stopping it
/// cannot fail the other Postgres tests running at the same time on the shared server.
///
/// The script runs `pg_ctl`, not this process: a Foundation `Process` learns that its child
/// ended from a socket the child inherits, and the postmaster `pg_ctl start` leaves behind
/// inherits it too, so `pg_ctl start` run from here looks as if it never ends (it is what kept
/// this test disabled).
final class PrivatePostgres: Sendable {
    let url: String
    private let process: Process
    private let input: FileHandle
    /// Lines the script printed after READY: one answer per command.
    private let answers: Answers

    /// The answer lines, shared with the task that reads them.
    final class Answers: Sendable {
        let lines = Mutex<[String]>([])
    }

    private init(url: String, process: Process, input: FileHandle, answers: Answers) {
        self.url = url
        self.process = process
        self.input = input
        self.answers = answers
    }

    /// The package root, from this file's place in `Tests/AAMServerTests`.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Starts the server and reads the `AAM_TEST_*` variables the script prints up to READY.
    static func start() async throws -> PrivatePostgres {
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/with-postgres")
        process.arguments = ["--control"]
        process.currentDirectoryURL = packageRoot
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream<String>.makeStream()
        let pending = Mutex<String>("")
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            let complete = pending.withLock { buffer -> [String] in
                buffer += String(decoding: data, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            for line in complete { continuation.yield(line) }
        }
        try process.run()
        let server = PrivatePostgres(url: "", process: process, input: stdin.fileHandleForWriting, answers: Answers())
        let variables = await CrashSafetyRig.bounded(.seconds(90)) { () -> [String: String]? in
            var found: [String: String] = [:]
            for await line in lines {
                if line == "READY" { return found }
                if let equals = line.firstIndex(of: "=") { found[String(line[..<equals])] = String(line[line.index(after: equals)...]) }
            }
            return nil
        }
        guard let url = variables?["AAM_TEST_POSTGRES_URL"] else {
            server.close()
            throw CrashSafetyError("scripts/with-postgres --control did not start a private server")
        }
        let answers = Answers()
        let ready = PrivatePostgres(url: url, process: process, input: stdin.fileHandleForWriting, answers: answers)
        // The rest of the output: answers to commands.
        Task { for await line in lines { answers.lines.withLock { $0.append(line) } } }
        return ready
    }

    /// `pg_ctl stop -m fast`, waiting until the server is down.
    func stop() async throws { try await command("stop") }

    /// `pg_ctl start` on the same port, waiting until the server accepts connections.
    func start() async throws { try await command("start") }

    private func command(_ word: String) async throws {
        let before = answers.lines.withLock { $0.count }
        try input.write(contentsOf: Data((word + "\n").utf8))
        // No event to await across the pipe: poll for the answer line, bounded.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let answer = answers.lines.withLock({ $0.count > before ? $0[before] : nil }) {
                guard answer == "ok" else { throw CrashSafetyError("private Postgres \(word): \(answer)") }
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CrashSafetyError("private Postgres \(word): no answer within 90 s")
    }

    /// Ends the script's input: it stops the server and removes its directory.
    func close() {
        try? input.close()
    }
}
