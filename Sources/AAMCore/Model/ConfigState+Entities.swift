import Foundation

/// One entity of a `ConfigState` by kind and id, in the form every store keeps it: JSON with
/// ISO 8601 dates and sorted keys. The one place that maps an `EntityKind` to its field, so
/// persisting, loading, auditing and the cluster's change feed (which compares these documents
/// byte for byte) cannot disagree.
extension ConfigState {
    static func entityEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    static func entityDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The stored document of one entity (nil when there is none).
    public func document(of kind: EntityKind, id: String) throws -> Data? {
        let encoder = Self.entityEncoder()
        switch kind {
        case .provider: return try providers[id].map(encoder.encode)
        case .deployment: return try deployments[id].map(encoder.encode)
        case .alias: return try aliases[id].map(encoder.encode)
        case .key: return try keys[id].map(encoder.encode)
        case .org: return try orgs[id].map(encoder.encode)
        case .team: return try teams[id].map(encoder.encode)
        case .project: return try projects[id].map(encoder.encode)
        case .guardrail: return try guardrails[id].map(encoder.encode)
        case .policy: return try policies[id].map(encoder.encode)
        case .workload: return try workloads[id].map(encoder.encode)
        case .mcpServer: return try mcpServers[id].map(encoder.encode)
        }
    }

    /// The ids of every entity of `kind`.
    public func entityIDs(of kind: EntityKind) -> Set<String> {
        switch kind {
        case .provider: Set(providers.keys)
        case .deployment: Set(deployments.keys)
        case .alias: Set(aliases.keys)
        case .key: Set(keys.keys)
        case .org: Set(orgs.keys)
        case .team: Set(teams.keys)
        case .project: Set(projects.keys)
        case .guardrail: Set(guardrails.keys)
        case .policy: Set(policies.keys)
        case .workload: Set(workloads.keys)
        case .mcpServer: Set(mcpServers.keys)
        }
    }

    /// Sets one entity from its stored document, or removes it for nil. Throws, changing
    /// nothing, when the document does not decode.
    public mutating func setEntity(_ kind: EntityKind, id: String, document: Data?) throws {
        let decoder = Self.entityDecoder()
        func decode<T: Decodable>(_ type: T.Type) throws -> T? { try document.map { try decoder.decode(T.self, from: $0) } }
        switch kind {
        case .provider: providers[id] = try decode(ProviderConfig.self)
        case .deployment: deployments[id] = try decode(Deployment.self)
        case .alias: aliases[id] = try decode(AliasSettings.self)
        case .key: keys[id] = try decode(VirtualKey.self)
        case .org: orgs[id] = try decode(Organization.self)
        case .team: teams[id] = try decode(Team.self)
        case .project: projects[id] = try decode(Project.self)
        case .guardrail: guardrails[id] = try decode(GuardrailPolicy.self)
        case .policy: policies[id] = try decode(StoredPolicy.self)
        case .workload: workloads[id] = try decode(WorkloadRegistration.self)
        case .mcpServer: mcpServers[id] = try decode(MCPServerConfig.self)
        }
    }
}
