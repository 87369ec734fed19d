import ArgumentParser
import Foundation

/// `aam usage`: spend, tokens and calls grouped by key, team, org, project, alias or provider
/// over a time window, from the stored call records (`GET /admin/usage`).
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "Spend, tokens and calls by key, team, org, project, alias or provider.",
        discussion: "Summed by the daemon from its call records of calls started in [--from, --to) (default: all of them). Calls without the grouping (a rejected call has no provider) are shown as `-`.")

    static let dimensions = ["key", "team", "org", "project", "alias", "provider"]

    @OptionGroup var admin: AdminOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("by"), help: "Group by key, team, org, project, alias or provider.") var groupBy: String = "key"
    @Option(help: ArgumentHelp("Calls started at or after this: \(CLITime.help).", valueName: "time")) var from: String?
    @Option(help: ArgumentHelp("Calls started before this: \(CLITime.help).", valueName: "time")) var to: String?

    func validate() throws {
        guard Self.dimensions.contains(groupBy) else {
            throw ValidationError("--by must be one of \(Self.dimensions.joined(separator: ", ")), not '\(groupBy)'")
        }
        for (flag, value) in [("--from", from), ("--to", to)] {
            if let value, CLITime.parse(value, now: Date()) == nil { throw ValidationError("\(flag) must be \(CLITime.help), not '\(value.prefix(80))'") }
        }
    }

    func run() async throws {
        let now = Date()
        var items = [URLQueryItem(name: "groupBy", value: groupBy)]
        if let from, let date = CLITime.parse(from, now: now) { items.append(URLQueryItem(name: "from", value: CLITime.iso(date))) }
        if let to, let date = CLITime.parse(to, now: now) { items.append(URLQueryItem(name: "to", value: CLITime.iso(date))) }
        var components = URLComponents()
        components.queryItems = items
        let reply = try await AdminClient(options: admin).expect(.GET, "/admin/usage?" + (components.percentEncodedQuery ?? ""))
        if output.isJSON { return printJSON(reply) }
        let groups = (reply.json as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        let columns: [CLITable.Column] = [
            .init(groupBy.uppercased(), field: "group"), .init("CALLS", field: "calls"), .init("PROMPT TOKENS", field: "promptTokens"),
            .init("COMPLETION TOKENS", field: "completionTokens"), .init("SPEND USD", field: "spendUSD"),
        ]
        output.emit(groups, columns, empty: "no calls in this window")
    }
}
