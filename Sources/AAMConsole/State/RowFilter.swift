import AAMControlProtocol

/// The `/` filter: a row matches when any of its identifying fields contains the filter text,
/// case-insensitively (alias, provider, key prefix, status, scope, …). Empty matches everything.
public struct RowFilter: Sendable, Equatable {
    private let needle: String

    public init(_ text: String) { needle = text.lowercased() }

    public var isEmpty: Bool { needle.isEmpty }

    public func matches(_ row: CallRow) -> Bool {
        isEmpty || contains(row.alias) || contains(row.provider) || contains(row.keyPrefix) || contains(row.scope)
            || contains(String(row.status)) || contains(row.outcome) || contains(row.deployment) || contains(row.identity)
            || contains(row.policy)
    }

    public func matches(_ row: ProviderRow) -> Bool {
        isEmpty || contains(row.deployment) || contains(row.alias) || contains(row.provider) || contains(row.state)
            || contains(row.upstreamModel) || (row.providerDrained || row.deploymentDrained) && contains("drained")
    }

    public func matches(_ row: KeyRow) -> Bool {
        isEmpty || contains(row.prefix) || contains(row.name) || contains(row.scope) || contains(row.state)
    }

    private func contains(_ field: String?) -> Bool {
        guard let field else { return false }
        return field.lowercased().contains(needle)
    }
}
