import AAMControlProtocol

/// The Live view's rows, newest first (or as filtered, sorted or frozen).
///
/// In the common case (no filter, no sort, not paused) this reads the ring in place: a frame at
/// 2,000 events/s draws ~35 of 2,000 rows, and copying all of them out of the ring on every
/// frame (once for the table, again for the status line's count) was a third of the console's
/// rendering time. Otherwise it holds the rows it was given.
public struct LiveRows: RandomAccessCollection, Sendable, Equatable {
    private enum Source: Sendable {
        case ring(CallRing)
        case rows([CallRow])
    }
    private let source: Source

    /// The ring's rows, newest first, without a copy.
    init(newestFirstIn ring: CallRing) { source = .ring(ring) }

    /// Rows already in the order to show.
    init(_ rows: [CallRow]) { source = .rows(rows) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch source {
        case .ring(let ring): ring.count
        case .rows(let rows): rows.count
        }
    }

    public subscript(position: Int) -> CallRow {
        switch source {
        case .ring(let ring): ring[newest: position]
        case .rows(let rows): rows[position]
        }
    }

    public static func == (lhs: LiveRows, rhs: LiveRows) -> Bool { lhs.elementsEqual(rhs) }
}
