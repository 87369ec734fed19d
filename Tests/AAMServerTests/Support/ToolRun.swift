import Foundation

/// Runs a short-lived program to completion (a built `aam`/`aamd` with `--version`, git, a
/// script, `systemd-analyze`) and returns its exit status and output (stdout and stderr
/// together). The blocking reads and waits happen on a Dispatch thread, not on the test's
/// task: on 2 cores a blocked cooperative thread starves the daemons other tests run in-process.
/// A program still running at the deadline is killed by its pid.
struct ToolRun: Sendable {
    var status: Int32
    var output: String

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: ToolRun(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self)))
            }
        }
    }

    /// The repository this test file is in (for scripts/, packaging/, sample-data/).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
