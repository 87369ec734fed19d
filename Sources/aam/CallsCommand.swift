import ArgumentParser
import Foundation

/// `aam calls list|show|tail`: the call records (evidence) through the admin API
/// (`GET /admin/calls`, `GET /admin/calls/REQUEST_ID`). `tail` follows new records as they are
/// stored, in the habit of `kubectl logs -f`.
struct CallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls", abstract: "Call records: list the recent ones, show one, follow new ones (tail).",
        subcommands: [List.self, Show.self, Tail.self])

    /// Most records one admin request returns.
    static let pageLimit = 1000

    static let detailColumns: [CLITable.Column] = CallLine.columns + [
        .init("OUTCOME", field: "outcome"), .init("ERROR", field: "errorClass"), .init("ENDPOINT", field: "endpoint"),
        .init("DEPLOYMENT", field: "deployment"), .init("UPSTREAM MODEL", field: "upstreamModel"), .init("ORG", field: "orgId"),
        .init("TEAM", field: "teamId"), .init("PROJECT", field: "projectId"), .init("STREAMED", field: "streamed"),
        .init("TTFT") { ($0["ttftMs"] as? Double).map { ControlStatus.milliseconds($0) } ?? "-" },
        .init("ATTEMPTS") { String(($0["attempts"] as? [Any])?.count ?? 0) }, .init("PRICE VERSION", field: "priceVersion"),
        .init("GUARDRAILS") { CLITable.text(($0["guardrails"] as? [[String: Any]])?.map { "\($0["detector"] ?? "?"):\($0["action"] ?? "?")" }) },
    ]

    /// The newest `limit` records, newest first.
    static func recent(_ client: AdminClient, limit: Int) async throws -> [[String: Any]] {
        try await client.expect(.GET, "/admin/calls?limit=\(limit)").json as? [[String: Any]] ?? []
    }

    /// Keeps the records started at or after `since` (all of them when nil).
    static func started(_ records: [[String: Any]], since: Date?) -> [[String: Any]] {
        guard let since else { return records }
        return records.filter { record in (record["startedAt"] as? String).flatMap(CLITime.date).map { $0 >= since } ?? false }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent call records, newest first.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Records to show (1-1000).") var limit: Int = 20
        @Option(help: ArgumentHelp("Only calls started at or after this: \(CLITime.help).", valueName: "time")) var since: String?

        func validate() throws {
            guard (1...CallsCommand.pageLimit).contains(limit) else { throw ValidationError("--limit must be between 1 and \(CallsCommand.pageLimit)") }
            if let since, CLITime.parse(since, now: Date()) == nil { throw ValidationError("--since must be \(CLITime.help), not '\(since.prefix(80))'") }
        }

        func run() async throws {
            let records = CallsCommand.started(
                try await CallsCommand.recent(AdminClient(options: admin), limit: limit), since: since.flatMap { CLITime.parse($0, now: Date()) })
            if output.isJSON { return printJSON(records) }
            output.emit(records, CallLine.columns, empty: "no call records")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one call record (attempts, guardrails and policy in full in the JSON).")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The call's request id (the x-request-id header of its answer).") var requestId: String
        func run() async throws {
            output.emitFields(try await AdminClient(options: admin).expect(.GET, "/admin/calls/\(PathSegment.encode(requestId))"), CallsCommand.detailColumns)
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the last calls, then follow new call records as they are stored (Ctrl-C stops).",
            discussion: """
                One line per call: time, request id, key, alias, provider, status, latency, tokens (prompt+completion, \
                ~ when estimated) and cost. With -o json, one JSON object per line. Polls the admin API every --interval \
                seconds; a line shows once its record is stored (the evidence writer stores in batches). Stops, exit \
                status 0, on SIGINT or SIGTERM and when its output is closed (`aam calls tail | head`).
                """)
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Recent calls to print before following (0-1000).") var limit: Int = 10
        @Option(help: ArgumentHelp("Of those, only calls started at or after this: \(CLITime.help).", valueName: "time")) var since: String?
        @Option(help: "Seconds between two polls of the admin API (0.1-60).") var interval: Double = 1

        func validate() throws {
            guard (0...CallsCommand.pageLimit).contains(limit) else { throw ValidationError("--limit must be between 0 and \(CallsCommand.pageLimit)") }
            guard (0.1...60).contains(interval) else { throw ValidationError("--interval must be between 0.1 and 60 seconds") }
            if let since, CLITime.parse(since, now: Date()) == nil { throw ValidationError("--since must be \(CLITime.help), not '\(since.prefix(80))'") }
        }

        func run() async throws {
            // A closed pipe must show as a failed write (EPIPE), not kill the process mid-line.
            signal(SIGPIPE, SIG_IGN)
            let client = AdminClient(options: admin)
            let follow = Task { try await self.follow(client) }
            let stop = SignalStop(signals: [SIGINT, SIGTERM]) { follow.cancel() }
            defer { stop.cancel() }
            do {
                try await follow.value
            } catch is StandardOutput.Closed {
                return
            } catch {
                // Stopped by a signal: whatever the cancelled request threw is not an error.
                if follow.isCancelled { return }
                throw error
            }
        }

        private func follow(_ client: AdminClient) async throws {
            let window = 100
            var cursor = CallTailCursor()
            let first = try await CallsCommand.recent(client, limit: max(limit, window))
            cursor.remember(first)
            let backlog = CallsCommand.started(first, since: since.flatMap { CLITime.parse($0, now: Date()) }).prefix(limit)
            if !output.isJSON { try StandardOutput.line(CallLine.header) }
            for record in backlog.reversed() { try emit(record) }
            while true {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                var page = try await CallsCommand.recent(client, limit: window)
                if cursor.mayHaveMissed(page, limit: window) {
                    page = try await CallsCommand.recent(client, limit: CallsCommand.pageLimit)
                    if cursor.mayHaveMissed(page, limit: CallsCommand.pageLimit) {
                        FileHandle.standardError.write(Data("aam calls tail: more than \(CallsCommand.pageLimit) calls arrived between two polls; some are not shown (try a smaller --interval)\n".utf8))
                    }
                }
                for record in cursor.fresh(in: page) { try emit(record) }
                cursor.remember(page)
            }
        }

        private func emit(_ record: [String: Any]) throws {
            try StandardOutput.line(output.isJSON ? CallLine.json(record) : CallLine.row(record))
        }
    }
}
