import Foundation
import NIOCore

/// A vendor's `Keep-Alive: timeout=N, max=M` response header (RFC 9112's companion, as nginx,
/// Apache and most load balancers send it), read to close pooled connections before the vendor
/// does.
///
/// Why: when the vendor closes an idle connection at the moment the gateway reuses it, the
/// request is written into a dying socket and the connection then ends without a byte of
/// answer, which cannot be told apart from a vendor that read the request and hung up; a POST
/// is never sent twice, so that call fails over (or fails). Closing first avoids the race.
enum KeepAliveHint {
    /// The `timeout` parameter, in seconds; nil when absent or unreadable.
    static func idleTimeout(_ header: String?) -> TimeAmount? {
        guard let header else { return nil }
        for parameter in header.split(separator: ",") {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "timeout", let seconds = Int(pair[1]), seconds >= 0 else { continue }
            return .seconds(Int64(min(seconds, 86_400)))
        }
        return nil
    }

    /// How long a pooled connection may stay idle: the client's own limit, or a margin inside the
    /// vendor's announced one (one second, or half of it when it is under two seconds).
    static func poolIdle(announced: TimeAmount?, default defaultIdle: TimeAmount) -> TimeAmount {
        guard let announced else { return defaultIdle }
        let margin = min(TimeAmount.seconds(1), TimeAmount.nanoseconds(announced.nanoseconds / 2))
        return min(defaultIdle, announced - margin)
    }
}
