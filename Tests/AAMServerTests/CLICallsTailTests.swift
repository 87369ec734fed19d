import AAMCore
import Foundation
import Synchronization
import Testing

/// `aam calls tail`, the real binary against a gateway on loopback: it prints the recent calls,
/// then each call made after it started (awaited line by line, under a deadline), one JSON
/// object per line with `-o json`, and stops cleanly (exit 0) on SIGINT, SIGTERM and a closed
/// pipe.
@Suite struct CLICallsTailTests {
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#

    static func gateway(_ body: (GatewayHarness, String) async throws -> Void) async throws {
        try await PolicyAdminTests.withGateway { g in
            try await g.adminOK(.POST, "/admin/providers", json: #"{"name":"sim","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":50000,"completionTokens":5,"errorRate":0}}"#)
            try await g.addDeployment(alias: "fast", provider: "sim", model: "sim-model", id: "fast-1")
            try await body(g, try await g.issueKey(org: "acme").secret)
        }
    }

    static func call(_ g: GatewayHarness, _ secret: String) async throws -> String {
        let reply = try await g.call("/v1/chat/completions", key: secret, json: chat)
        #expect(reply.status == 200, "\(reply.text)")
        return try #require(reply.header("x-request-id"))
    }

    static func tail(_ g: GatewayHarness, _ extra: [String]) throws -> ProcessRunner {
        try ProcessRunner(
            "aam", arguments: ["calls", "tail", "--interval", "0.2", "--url", g.baseURL] + extra, environment: ["AAM_ADMIN_TOKEN": GatewayHarness.adminToken],
            directory: FileManager.default.temporaryDirectory)
    }

    /// The first line with `marker`, or nil at the deadline (the process is then killed, which
    /// ends its output).
    static func line(_ run: ProcessRunner, containing marker: String, within deadline: Duration = .seconds(30)) async -> String? {
        let watchdog = Task {
            try await Task.sleep(for: deadline)
            run.signal(SIGKILL)
        }
        defer { watchdog.cancel() }
        return await run.firstLine(containing: marker)
    }

    @Test func printsTheRecentCallsThenEachNewCallAndStopsOnSIGINT() async throws {
        try await Self.gateway { g, secret in
            let before = try await Self.call(g, secret)
            let older = try await Self.call(g, secret)
            let run = try Self.tail(g, ["--limit", "1"])
            let header = await Self.line(run, containing: "REQUEST ID")
            #expect(header?.hasPrefix("TIME                  REQUEST ID") == true, "\(run.allOutput)")
            // The backlog: the newest call only (--limit 1).
            let backlog = await Self.line(run, containing: older)
            #expect(backlog != nil, "\(run.allOutput)")

            let after = try await Self.call(g, secret)
            let line = try #require(await Self.line(run, containing: after), "\(run.allOutput)")
            let cells = AAMCommandRun.cells(line).map(\.text)
            #expect(cells.count == 9 && cells[2].hasPrefix("key_") && Array(cells[3...5]) == ["fast", "sim", "200"] && cells[7].hasSuffix("+5"), "\(line)")
            #expect(AAMCommandRun.cells(line).map(\.offset) == AAMCommandRun.cells(header ?? "").map(\.offset), "aligned:\n\(header ?? "")\n\(line)")

            run.signal(SIGINT)
            #expect(await run.waitForExit() == 0, "\(run.allOutput)")
            #expect(!run.allOutput.contains(before), "only --limit recent calls")
            #expect(!run.allOutput.contains("Error"), "\(run.allOutput)")
        }
    }

    @Test func printsOneJSONObjectPerLineAndStopsOnSIGTERM() async throws {
        try await Self.gateway { g, secret in
            let earlier = try await Self.call(g, secret)
            let run = try Self.tail(g, ["--limit", "1", "-o", "json"])
            // The recent call shows once the tail has polled; a call made after it is new.
            #expect(await Self.line(run, containing: earlier) != nil, "\(run.allOutput)")
            let next = try await Self.call(g, secret)
            let line = try #require(await Self.line(run, containing: next), "\(run.allOutput)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["requestId"] as? String == next && object["alias"] as? String == "fast" && object["completionTokens"] as? Int == 5, "\(line)")
            run.signal(SIGTERM)
            #expect(await run.waitForExit() == 0, "\(run.allOutput)")
            let lines = run.allOutput.split(separator: "\n")
            #expect(lines.count == 2 && lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }, "\(run.allOutput)")
        }
    }

    /// Set once by the task running the pipeline.
    final class Finished: Sendable {
        let flag = Atomic<Bool>(false)
    }

    @Test func stopsWhenItsOutputIsClosed() async throws {
        try await Self.gateway { g, secret in
            _ = try await Self.call(g, secret)
            // head exits after the header and the one recent call; the tail's next line then
            // fails with EPIPE, and the tail must end (status 0), not keep polling.
            let script = #""$AAM" calls tail --limit 1 --interval 0.2 --url "$URL" | head -n 2; echo "tail-exit=${PIPESTATUS[0]}""#
            let environment = CLIReachabilityTests.environment([
                "AAM": ProcessRunner.binaryDirectory.appendingPathComponent("aam").path, "URL": g.baseURL, "AAM_ADMIN_TOKEN": GatewayHarness.adminToken,
            ])
            let finished = Finished()
            let pipeline = Task {
                defer { finished.flag.store(true, ordering: .sequentiallyConsistent) }
                return try await ToolRun.run("/bin/bash", ["-c", script], environment: environment, timeout: .seconds(60))
            }
            // Traffic gives the tail lines to write after head has gone; the pipeline's end is
            // what the test awaits (bounded by the deadline and ToolRun's own timeout).
            let deadline = ContinuousClock.now + .seconds(45)
            while !finished.flag.load(ordering: .sequentiallyConsistent), ContinuousClock.now < deadline {
                _ = try await Self.call(g, secret)
                try await Task.sleep(for: .milliseconds(100))
            }
            let run = try await pipeline.value
            #expect(run.output.contains("tail-exit=0"), "\(run.output)")
            #expect(run.output.hasPrefix("TIME "), "\(run.output)")
        }
    }
}
