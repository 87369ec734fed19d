/// Indexes declared entities by identity, reporting every later duplicate against the first.
enum UniqueIndex {
    /// `kind` names the identity in messages, e.g. "provider name", "deployment id".
    static func build<Item>(
        _ items: [Item], identity: (Item) -> ScalarValue, kind: String, advice: String = "",
        context: DecodingContext
    ) -> [String: Item] {
        var index: [String: Item] = [:]
        for item in items {
            let id = identity(item)
            if let first = index[id.text] {
                let line = identity(first).mark.map { " on line \($0.line)" } ?? ""
                context.report(id.path, at: id.mark, "duplicate \(kind) \(id.display) (first declared\(line)\(advice))")
            } else {
                index[id.text] = item
            }
        }
        return index
    }
}
