import Foundation

/// One call record as `aam calls list|tail` print it: time, request id, key, alias, provider,
/// status, latency, tokens, cost. Never a secret: the key is its id (`aam keys show ID`), a
/// workload's call its SPIFFE ID. Pure.
enum CallLine {
    static let columns: [CLITable.Column] = [
        .init("TIME", field: "startedAt"), .init("REQUEST ID", field: "requestId"),
        .init("KEY") { CLITable.text($0["keyId"] ?? ($0["policy"] as? [String: Any])?["spiffeId"]) },
        .init("ALIAS", field: "alias"), .init("PROVIDER", field: "provider"), .init("STATUS", field: "status"),
        .init("LATENCY") { ($0["latencyMs"] as? Double).map { ControlStatus.milliseconds($0) } ?? "-" },
        .init("TOKENS") { record in
            let prompt = record["promptTokens"] as? Int ?? 0
            let completion = record["completionTokens"] as? Int ?? 0
            return "\(prompt)+\(completion)" + ((record["usageEstimated"] as? Bool) == true ? "~" : "")
        },
        .init("COST USD", field: "costUSD"),
    ]

    /// Column widths for a stream, where the rows to come are unknown: wide enough for the
    /// usual values (a longer one pushes the rest of its line right).
    static let widths = [20, 24, 20, 12, 12, 6, 8, 9, 0]

    static var header: String { pad(columns.map(\.header)) }

    static func row(_ record: [String: Any]) -> String { pad(columns.map { $0.cell(record) }) }

    /// The record as one line of compact JSON with sorted keys (`-o json` of `calls tail`).
    static func json(_ record: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func pad(_ cells: [String]) -> String {
        zip(cells, widths).enumerated().map { index, pair in
            index == cells.count - 1 ? pair.0 : pair.0.padding(toLength: max(pair.1, pair.0.count), withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
}
