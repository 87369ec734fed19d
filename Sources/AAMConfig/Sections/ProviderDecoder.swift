import AAMCore
import Yams

/// Decodes one item of `providers:`.
///
/// `baseURL` is required except for `simulated` (which calls nothing) and `bedrock` (whose
/// regional endpoint follows from the `region` it requires); `credential` is optional
/// (an empty value, e.g. `${OLLAMA_API_KEY:-}` left unset, means none) and refused for
/// `simulated`; `apiVersion` belongs to `azure-openai` only, `simulation` to `simulated` only;
/// `responsesAPI` (true/false) to the protocols that have a Responses endpoint (`openai`,
/// `azure-openai`).
enum ProviderDecoder {
    static let fields = [
        "name", "protocol", "baseURL", "credential", "region", "headers", "apiVersion", "simulation", "budgets", "responsesAPI", "tls", "proxy",
    ]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredProvider? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let name = reader.slug("name", required: true)
        let wireProtocol = readProtocol(reader)
        let baseURL = readBaseURL(reader, wireProtocol: wireProtocol)
        let credential = readCredential(reader, wireProtocol: wireProtocol)
        let region = reader.string("region")?.text
        if wireProtocol == .bedrock, region?.isEmpty != false, baseURL != nil {
            reader.reportMissing("region", note: "required for protocol 'bedrock' (SigV4 signs with it), e.g. us-east-1")
        }
        let headers = HeaderRules.read(reader)
        let apiVersion = readAPIVersion(reader, wireProtocol: wireProtocol)
        let simulation = readSimulation(reader, wireProtocol: wireProtocol)
        let budgets = GovernanceDecoder.budgets(reader)
        let responsesAPI = readResponsesAPI(reader, wireProtocol: wireProtocol)
        let tls = UpstreamEgressDecoder.tls(reader)
        let proxy = UpstreamEgressDecoder.proxy(reader)
        guard let name else { return nil }
        let config = ProviderConfig(
            name: name.text, wireProtocol: wireProtocol ?? .openai, baseURL: baseURL ?? "", region: region,
            headers: headers, apiVersion: apiVersion, simulation: simulation, budgets: budgets, responsesAPI: responsesAPI, tls: tls, proxy: proxy
        )
        return DeclaredProvider(name: name, config: config, credential: credential)
    }

    private static func readProtocol(_ reader: MappingReader) -> ProviderProtocol? {
        guard let scalar = reader.string("protocol", required: true) else { return nil }
        guard let value = ProviderProtocol(rawValue: scalar.text) else {
            let known = ProviderProtocol.allCases.map(\.rawValue)
            reader.context.report(
                scalar.path, at: scalar.mark,
                "unknown protocol \(scalar.display) (expected one of \(known.joined(separator: ", ")))")
            return nil
        }
        return value
    }

    private static func readBaseURL(_ reader: MappingReader, wireProtocol: ProviderProtocol?) -> String? {
        guard let scalar = reader.string("baseURL") else {
            if wireProtocol == .bedrock {
                // The regional endpoint follows from `region`.
                if let region = reader.string("region")?.text, !region.isEmpty { return ProviderProtocol.bedrockBaseURL(region: region) }
                if !reader.context.hasReported(reader.path.child("region")) {
                    reader.reportMissing("region", note: "required for protocol 'bedrock', e.g. us-east-1")
                }
                return nil
            }
            if let wireProtocol, wireProtocol != .simulated, !reader.context.hasReported(reader.path.child("baseURL")) {
                reader.reportMissing("baseURL", note: "required for protocol '\(wireProtocol.rawValue)'")
            }
            return nil
        }
        return URLRule.check(scalar, context: reader.context) ? scalar.text : nil
    }

    private static func readCredential(_ reader: MappingReader, wireProtocol: ProviderProtocol?) -> SecretValue? {
        guard let scalar = reader.string("credential") else { return nil }
        if wireProtocol == .simulated {
            reader.reportNotAllowed("credential", "not allowed for protocol 'simulated' (it calls no upstream)")
            return nil
        }
        return SecretValue(scalar.text)
    }

    private static func readAPIVersion(_ reader: MappingReader, wireProtocol: ProviderProtocol?) -> String? {
        let scalar = reader.string("apiVersion")
        switch wireProtocol {
        case .azureOpenAI?:
            if scalar == nil, !reader.context.hasReported(reader.path.child("apiVersion")) {
                reader.reportMissing("apiVersion", note: "required for protocol 'azure-openai', e.g. \"2024-10-21\"")
            }
        case .some:
            if reader.contains("apiVersion") {
                reader.reportNotAllowed("apiVersion", "only allowed for protocol 'azure-openai'")
                return nil
            }
        case nil:
            break
        }
        return scalar?.text
    }

    /// `responsesAPI: false` turns the Responses pass-through off for a chat-only
    /// OpenAI-compatible server; only the protocols with a Responses endpoint take it.
    private static func readResponsesAPI(_ reader: MappingReader, wireProtocol: ProviderProtocol?) -> Bool? {
        guard let scalar = reader.string("responsesAPI") else { return nil }
        if let wireProtocol, !ProviderConfig.protocolsWithResponsesAPI.contains(wireProtocol) {
            reader.reportNotAllowed("responsesAPI", "only allowed for protocols 'openai' and 'azure-openai' (the others have no Responses endpoint)")
            return nil
        }
        switch scalar.text {
        case "true": return true
        case "false": return false
        default:
            reader.context.report(scalar.path, at: scalar.mark, "expected true or false, got \(scalar.display)")
            return nil
        }
    }

    private static func readSimulation(_ reader: MappingReader, wireProtocol: ProviderProtocol?)
        -> SimulationSettings?
    {
        guard let wireProtocol else { return nil }
        guard wireProtocol == .simulated else {
            if reader.contains("simulation") {
                reader.reportNotAllowed("simulation", "only allowed for protocol 'simulated'")
            }
            return nil
        }
        guard let node = reader.value("simulation") else { return SimulationSettings() }
        return SimulationDecoder.decode(node, path: reader.path.child("simulation"), context: reader.context)
    }
}
