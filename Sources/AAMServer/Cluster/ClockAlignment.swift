import AAMCore
import Foundation
import Logging

/// Measures this replica's clock against the database's and sets the offset of the clock
/// budgets and rate limits use (`AlignedClock`): replicas whose clocks differ then still cut
/// the same day, week and month windows. One `SELECT clock_timestamp()` per heartbeat; a
/// round trip slower than half a second says too little and is ignored; a failure keeps the
/// last offset.
enum ClockAlignment {
    /// An offset larger than this is logged once per change of its whole seconds (a replica
    /// clock this far off is worth an operator's look).
    static let notableSkew: TimeInterval = 1

    static func measure(_ cluster: any ClusterStore, aligned: AlignedClock, logger: Logger) async {
        let before = aligned.base.now()
        guard let remote = try? await cluster.databaseTime() else { return }
        let after = aligned.base.now()
        guard let offset = AlignedClock.offset(fromLocalBefore: before, remote: remote, localAfter: after) else { return }
        let previous = aligned.offset
        aligned.setOffset(offset)
        if abs(offset) >= notableSkew, Int(offset.rounded()) != Int(previous.rounded()) {
            logger.warning(
                "this replica's clock differs from the database's; budget windows follow the database",
                metadata: ["offset_seconds": "\(String(format: "%.3f", offset))"])
        }
    }
}
