import AAMCore
import Foundation

/// `POST /admin/providers` body.
struct ProviderInput: Decodable, Sendable {
    static let fields: Set<String> = [
        "name", "protocol", "baseURL", "credential", "region", "headers", "apiVersion", "simulation", "budgets", "responsesAPI", "tls", "proxy",
    ]
    var name: String
    var `protocol`: String
    var baseURL: String?
    var credential: String?
    var region: String?
    var headers: [String: String]?
    var apiVersion: String?
    var simulation: SimulationSettings?
    var budgets: [BudgetInput]?
    /// `false`: the upstream only does chat completions (`ProviderConfig.responsesAPI`).
    var responsesAPI: Bool?
    var tls: UpstreamTLSSettings?
    var proxy: String?
}

/// `PATCH /admin/providers/NAME` body: every field optional (`"budgets": []` removes them all,
/// `"tls": {}` the TLS files, `"proxy": ""` the proxy setting).
struct ProviderPatch: Decodable, Sendable {
    static let fields: Set<String> = ["baseURL", "region", "headers", "apiVersion", "simulation", "budgets", "responsesAPI", "tls", "proxy"]
    var baseURL: String?
    var region: String?
    var headers: [String: String]?
    var apiVersion: String?
    var simulation: SimulationSettings?
    var budgets: [BudgetInput]?
    var responsesAPI: Bool?
    var tls: UpstreamTLSSettings?
    var proxy: String?
}

/// What `GET /admin/providers` shows: never the credential, only whether one is set and its fingerprint.
struct ProviderView: Encodable, Sendable {
    var name: String
    var `protocol`: String
    var baseURL: String
    var region: String?
    var headers: [String: String]
    var apiVersion: String?
    var credentialSet: Bool
    var credentialFingerprint: String?
    var drained: Bool
    var simulation: SimulationSettings?
    var budgets: [BudgetInput]?
    var responsesAPI: Bool?
    var tls: UpstreamTLSSettings?
    var proxy: String?
    var deployments: [String]
    /// Live health of each deployment of this provider (state, reason, remaining cooldown, error rate).
    var health: [HealthSnapshot]

    init(_ provider: ProviderConfig, state: ConfigState, health registry: HealthRegistry? = nil, now: Date = Date()) {
        name = provider.name
        `protocol` = provider.wireProtocol.rawValue
        baseURL = provider.baseURL
        region = provider.region
        headers = provider.headers
        apiVersion = provider.apiVersion
        credentialSet = provider.credential != nil
        credentialFingerprint = provider.credential?.fingerprint
        drained = provider.drained
        simulation = provider.simulation
        budgets = provider.budgets?.map(\.inputView)
        responsesAPI = provider.responsesAPI
        tls = provider.tls
        proxy = provider.proxy
        deployments = state.deployments.values.filter { $0.provider == provider.name }.map(\.id).sorted()
        let ids = deployments
        health = registry.map { registry in ids.map { registry.snapshot($0, at: now) } } ?? []
    }
}

enum ProviderRules {
    static func validated(_ input: ProviderInput, outbound: OutboundURLPolicy) throws(AdminError) -> ProviderConfig {
        try AdminValidation.slug(input.name, field: "name")
        guard let wire = ProviderProtocol(rawValue: input.protocol) else {
            throw AdminError(
                "unknown protocol '\(input.protocol)' (expected one of \(ProviderProtocol.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "protocol")
        }
        var provider = ProviderConfig(
            name: input.name, wireProtocol: wire, baseURL: input.baseURL ?? "", region: input.region,
            headers: input.headers ?? [:], apiVersion: input.apiVersion, simulation: input.simulation,
            budgets: try input.budgets.map { inputs throws(AdminError) in try GovernanceFields.budgets(inputs) },
            responsesAPI: input.responsesAPI, tls: input.tls.flatMap { $0.isEmpty ? nil : $0 }, proxy: input.proxy)
        try check(&provider, outbound: outbound)
        if wire == .simulated, input.credential != nil {
            throw AdminError("a simulated provider takes no credential", field: "credential")
        }
        return provider
    }

    static func check(_ provider: inout ProviderConfig, outbound: OutboundURLPolicy) throws(AdminError) {
        try AdminValidation.headers(provider.headers)
        switch provider.wireProtocol {
        case .simulated:
            if provider.baseURL.isEmpty { provider.baseURL = "simulated://\(provider.name)" }
            if provider.simulation == nil { provider.simulation = SimulationSettings() }
            if let simulation = provider.simulation { try checkSimulation(simulation) }
        case .azureOpenAI:
            try AdminValidation.baseURL(provider.baseURL, outbound: outbound)
            guard let version = provider.apiVersion, !version.isEmpty else {
                throw AdminError("is required for azure-openai", field: "apiVersion")
            }
        case .openai, .anthropic, .gemini:
            try AdminValidation.baseURL(provider.baseURL, outbound: outbound)
            if provider.apiVersion != nil { throw AdminError("applies to azure-openai only", field: "apiVersion") }
        case .bedrock:
            // SigV4 signs with the region; the endpoint follows from it unless given (a VPC endpoint).
            guard let region = provider.region, !region.isEmpty else { throw AdminError("is required for bedrock (e.g. us-east-1)", field: "region") }
            if provider.baseURL.isEmpty { provider.baseURL = ProviderProtocol.bedrockBaseURL(region: region) }
            try AdminValidation.baseURL(provider.baseURL, outbound: outbound)
            if provider.apiVersion != nil { throw AdminError("applies to azure-openai only", field: "apiVersion") }
        }
        if provider.wireProtocol != .simulated, provider.simulation != nil {
            throw AdminError("applies to simulated providers only", field: "simulation")
        }
        if provider.responsesAPI != nil, !ProviderConfig.protocolsWithResponsesAPI.contains(provider.wireProtocol) {
            throw AdminError("applies to openai and azure-openai providers only (the others have no Responses endpoint)", field: "responsesAPI")
        }
        // TLS files and the proxy: the files are read now, so a bad path fails the request.
        do throws(UpstreamEgressProblem) {
            if let tls = provider.tls {
                guard tls.isEmpty || [tls.caFile, tls.clientCert, tls.clientKey].allSatisfy({ $0?.hasPrefix("/") != false }) else {
                    throw UpstreamEgressProblem(field: "tls", message: "file paths must be absolute")
                }
                try UpstreamEgressRules.check(tls)
            }
            if let proxy = provider.proxy { try UpstreamEgressRules.checkProxy(proxy, outbound: outbound) }
        } catch {
            throw AdminError(error.message, field: error.field)
        }
    }

    static func checkSimulation(_ simulation: SimulationSettings) throws(AdminError) {
        if simulation.ttftMs < 0 { throw AdminError("must be >= 0", field: "simulation.ttftMs") }
        if !(simulation.tokensPerSecond > 0) { throw AdminError("must be > 0", field: "simulation.tokensPerSecond") }
        if !(1...100_000).contains(simulation.completionTokens) {
            throw AdminError("must be between 1 and 100000", field: "simulation.completionTokens")
        }
        if !(0...1).contains(simulation.errorRate) { throw AdminError("must be between 0 and 1", field: "simulation.errorRate") }
    }
}

extension ConfigRegistry {
    func createProvider(_ input: ProviderInput, actor: String) async throws -> ProviderConfig {
        let provider = try ProviderRules.validated(input, outbound: outbound)
        func create(_ state: inout ConfigState, _ created: ProviderConfig) throws(AdminError) -> (ProviderConfig, [(EntityKind, String)]) {
            guard state.providers[created.name] == nil else { throw AdminError.conflict("provider '\(created.name)' already exists") }
            state.providers[created.name] = created
            return (created, [(.provider, created.name)])
        }
        guard let credential = input.credential, !credential.isEmpty else {
            return try await mutate(actor: actor, action: "provider.create", target: provider.name) { state throws(AdminError) in
                try create(&state, provider)
            }
        }
        // Sealed inside the change lock (see `mutate(sealing:)`).
        return try await mutate(actor: actor, action: "provider.create", target: provider.name, sealing: SecretValue(credential), owner: provider.name) {
            state, sealed throws(AdminError) in
            var created = provider
            created.credential = sealed
            return try create(&state, created)
        }
    }

    func updateProvider(_ name: String, patch: ProviderPatch, actor: String) async throws -> ProviderConfig {
        let outbound = outbound
        return try await mutate(actor: actor, action: "provider.update", target: name) { state throws(AdminError) in
            guard var provider = state.providers[name] else { throw AdminError.notFound("provider '\(name)'") }
            if let baseURL = patch.baseURL { provider.baseURL = baseURL }
            if let region = patch.region { provider.region = region.isEmpty ? nil : region }
            if let headers = patch.headers { provider.headers = headers }
            if let apiVersion = patch.apiVersion { provider.apiVersion = apiVersion }
            if let simulation = patch.simulation { provider.simulation = simulation }
            if let responsesAPI = patch.responsesAPI { provider.responsesAPI = responsesAPI }
            if let budgets = patch.budgets { provider.budgets = budgets.isEmpty ? nil : try GovernanceFields.budgets(budgets) }
            if let tls = patch.tls { provider.tls = tls.isEmpty ? nil : tls }
            if let proxy = patch.proxy { provider.proxy = proxy.isEmpty ? nil : proxy }
            try ProviderRules.check(&provider, outbound: outbound)
            state.providers[name] = provider
            return (provider, [(.provider, name)])
        }
    }

    func deleteProvider(_ name: String, actor: String) async throws {
        try await mutate(actor: actor, action: "provider.delete", target: name) { state throws(AdminError) in
            guard state.providers[name] != nil else { throw AdminError.notFound("provider '\(name)'") }
            let users = state.deployments.values.filter { $0.provider == name }.map(\.id).sorted()
            guard users.isEmpty else {
                throw AdminError.conflict("provider '\(name)' is used by deployments \(users.joined(separator: ", ")); delete them first")
            }
            state.providers[name] = nil
            return ((), [(.provider, name)])
        }
    }

    func replaceCredential(_ name: String, credential: String, actor: String) async throws -> ProviderConfig {
        guard let existing = state.providers[name] else { throw AdminError.notFound("provider '\(name)'") }
        guard existing.wireProtocol != .simulated else { throw AdminError("a simulated provider takes no credential", field: "credential") }
        guard !credential.isEmpty else { throw AdminError("must not be empty", field: "credential") }
        let updated = try await mutate(actor: actor, action: "provider.credential.replace", target: name, sealing: SecretValue(credential), owner: name) {
            state, sealed throws(AdminError) in
            guard var provider = state.providers[name] else { throw AdminError.notFound("provider '\(name)'") }
            provider.credential = sealed
            state.providers[name] = provider
            return (provider, [(.provider, name)])
        }
        // A new credential clears `credential_invalid` on every deployment of this provider.
        let now = clock.now()
        for deployment in state.deployments.values where deployment.provider == name {
            if let transition = health?.credentialReplaced(deployment.id, at: now) { bus.publish(.health(transition)) }
        }
        return updated
    }

    func setProviderDrained(_ name: String, drained: Bool, actor: String) async throws -> ProviderConfig {
        try await mutate(actor: actor, action: drained ? "provider.drain" : "provider.undrain", target: name) {
            state throws(AdminError) in
            guard var provider = state.providers[name] else { throw AdminError.notFound("provider '\(name)'") }
            provider.drained = drained
            state.providers[name] = provider
            return (provider, [(.provider, name)])
        }
    }
}
