import Foundation
import Synchronization

/// Runs one of the package's built executables (aamd, aam) as a real process, with its output
/// captured line by line, and stops it by its pid.
final class ProcessRunner: Sendable {
    static var binaryDirectory: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Captured output, shared with the pipe's reader.
    final class Captured: Sendable {
        let text = Mutex<String>("")
        let pending = Mutex<String>("")
    }

    let process: Process
    private let output = Captured()
    private let lines: AsyncStream<String>

    /// `aamd` is started with `--allow-loopback-upstreams` (every fake upstream a test starts is
    /// on loopback) unless `loopbackUpstreams` is false.
    init(_ executable: String, arguments: [String], environment: [String: String], directory: URL? = nil, loopbackUpstreams: Bool = true) throws {
        let process = Process()
        process.executableURL = Self.binaryDirectory.appendingPathComponent(executable)
        process.arguments = executable == "aamd" && loopbackUpstreams ? arguments + ["--allow-loopback-upstreams"] : arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") }
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let (lines, continuation) = AsyncStream<String>.makeStream()
        self.lines = lines
        self.process = process
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            output.text.withLock { $0 += text }
            let complete = output.pending.withLock { buffer -> [String] in
                buffer += text
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            for line in complete { continuation.yield(line) }
        }
        try process.run()
    }

    /// A test that fails half-way (a `#require` that throws) must not leave its process behind.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var allOutput: String { output.text.withLock { $0 } }

    /// The first output line containing `marker` (nil if the process ends first).
    func firstLine(containing marker: String) async -> String? {
        for await line in lines where line.contains(marker) { return line }
        return nil
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for exit (bounded), killing the process if it overstays.
    func waitForExit(timeout: Duration = .seconds(15)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}
