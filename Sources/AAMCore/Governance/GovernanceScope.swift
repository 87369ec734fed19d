/// One link of the chain a call spends against: an organization, team, project or key; or
/// what else carries a budget: a workload identity (its AgentPolicy's `budget.daily_usd` on a
/// cluster), a provider (a vendor account's cap) or a deployment (a costly model's cap).
///
/// Text form `org:acme`, `team:platform`, `project:chatbot`, `key:KEY_ID`,
/// `workload:spiffe://…`, `provider:NAME`, `deployment:ID` (the same spelling as guardrail
/// scopes), used as ledger and limiter keys, in lease rows and in persisted snapshots.
public struct GovernanceScope: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case org, team, project, key, workload, provider, deployment
    }

    public var kind: Kind
    public var id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public var description: String { "\(kind.rawValue):\(id)" }

    /// The chain a key's calls must satisfy, broadest first: org, team (if any), project
    /// (if any), key.
    public static func chain(for key: VirtualKey) -> [GovernanceScope] {
        var chain = [GovernanceScope(.org, key.orgId)]
        if let team = key.teamId { chain.append(GovernanceScope(.team, team)) }
        if let project = key.projectId { chain.append(GovernanceScope(.project, project)) }
        chain.append(GovernanceScope(.key, key.id))
        return chain
    }
}
