import Foundation
import Testing

/// One run of the real `aam` binary against a gateway's admin API, stdout and stderr apart (a
/// script parses stdout alone). The reads and the wait happen on a Dispatch thread: a blocked
/// cooperative thread would starve the in-process gateway on 2 cores.
struct AAMCommandRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ arguments: [String], url: String, environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> AAMCommandRun {
        let process = Process()
        process.executableURL = ProcessRunner.binaryDirectory.appendingPathComponent("aam")
        process.arguments = arguments + ["--url", url]
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") }
        env["AAM_ADMIN_TOKEN"] = GatewayHarness.adminToken
        env.merge(environment) { $1 }
        process.environment = env
        // Not the checkout: `aam status` would find a developer's ./aam-data/control.sock there.
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let seconds = Double(timeout.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let group = DispatchGroup()
                nonisolated(unsafe) var errData = Data()
                group.enter()
                DispatchQueue.global().async {
                    errData = err.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(
                    returning: AAMCommandRun(
                        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self)))
            }
        }
    }

    var all: String { stdout + stderr }

    /// Stdout as JSON (an object or an array), or a failed expectation.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }

    /// Stdout as a table: each row's cells by header. Checks that it is one: a header line, and
    /// every cell starting at its header's column (aligned), cells apart by two or more spaces.
    func table(sourceLocation: SourceLocation = #_sourceLocation) -> [[String: String]] {
        Self.table(stdout, sourceLocation: sourceLocation)
    }

    static func table(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: String]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first else {
            Issue.record("no table in: \(text)", sourceLocation: sourceLocation)
            return []
        }
        let headers = cells(header)
        #expect(headers.allSatisfy { $0.text == $0.text.uppercased() }, "not a header: \(header)", sourceLocation: sourceLocation)
        return lines.dropFirst().map { line in
            let row = cells(line)
            #expect(row.map(\.offset) == headers.map(\.offset), "not aligned with the header:\n\(header)\n\(line)", sourceLocation: sourceLocation)
            return Dictionary(zip(headers.map(\.text), row.map(\.text)), uniquingKeysWith: { first, _ in first })
        }
    }

    /// The cells of one line: runs of text apart by two or more spaces, with where each starts.
    static func cells(_ line: String) -> [(offset: Int, text: String)] {
        var result: [(Int, String)] = []
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            while index < characters.count, characters[index] == " " { index += 1 }
            guard index < characters.count else { break }
            let start = index
            while index < characters.count, !(characters[index] == " " && (index + 1 == characters.count || characters[index + 1] == " ")) { index += 1 }
            result.append((start, String(characters[start..<index])))
        }
        return result
    }
}
