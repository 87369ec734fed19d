/// Which call records of a poll are new, for `aam calls tail`. `GET /admin/calls` answers the
/// newest records first (in the order the store received them), without a cursor; the tail
/// polls it and remembers the request ids of the last answer. A record not among them is new:
/// the window only moves forward, so one that left it cannot come back. Pure.
struct CallTailCursor {
    private var lastPage: Swift.Set<String> = []

    /// The records of `page` (newest first) not in the previous page, oldest first.
    func fresh(in page: [[String: Any]]) -> [[String: Any]] {
        page.filter { !lastPage.contains(Self.id($0)) }.reversed()
    }

    /// True when every record of a full page is new: more calls may have arrived than the page
    /// holds, and a larger page should be asked for.
    func mayHaveMissed(_ page: [[String: Any]], limit: Int) -> Bool {
        page.count >= limit && fresh(in: page).count == page.count
    }

    mutating func remember(_ page: [[String: Any]]) {
        lastPage = Swift.Set(page.map(Self.id))
    }

    static func id(_ record: [String: Any]) -> String { record["requestId"] as? String ?? "" }
}
