import AAMCore
import Foundation

/// Amazon Bedrock Runtime (`bedrock-runtime.{region}.amazonaws.com`): the Converse API
/// (`POST /model/{modelId}/converse`, `/converse-stream` with AWS's binary event stream), every
/// request signed with SigV4 (service `bedrock`, the provider's region) from the sealed access
/// key, and a body of its own, so both inbound APIs are translated (`BedrockBridges`).
public struct BedrockDialect: VendorDialect {
    public init() {}

    /// The SigV4 service name of Bedrock Runtime.
    public static let signingService = "bedrock"

    public func bridge(from inbound: WireProtocol) -> any WireBridge {
        BedrockBridge(inbound: inbound)
    }

    public var servesEmbeddings: Bool { false }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        modelURL(provider, upstreamModel: upstreamModel) + "/converse"
    }

    public func chatURL(_ provider: ProviderConfig, upstreamModel: String, stream: Bool) -> String {
        modelURL(provider, upstreamModel: upstreamModel) + (stream ? "/converse-stream" : "/converse")
    }

    public func embeddingsURL(_ provider: ProviderConfig, upstreamModel: String) -> String? { nil }

    public func credentialField(_ credential: SecretValue) -> (name: String, value: String) {
        // Never sent alone: `credentialFields` signs the request. Kept for the protocol's sake
        // without the secret in it.
        ("x-amz-access-key-id", BedrockCredential.read(credential)?.accessKeyID ?? "")
    }

    public func credentialFields(
        _ credential: SecretValue, provider: ProviderConfig, url: String, headers: [(String, String)], body: [UInt8], now: Date
    ) -> [(name: String, value: String)] {
        guard let key = BedrockCredential.read(credential), let components = URLComponents(string: url) else { return [] }
        let signer = SigV4Signer(
            accessKeyID: key.accessKeyID, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken,
            region: Self.region(provider), service: Self.signingService)
        // Sign what is sent: host (as the transport writes it) and the content type.
        var signed: [(String, String)] = []
        if let host = headers.first(where: { $0.0.lowercased() == "host" })?.1 {
            signed.append(("host", host))
        } else if let host = components.host {
            let defaultPort = components.scheme == "http" ? 80 : 443
            signed.append(("host", components.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host))
        }
        if let type = headers.first(where: { $0.0.lowercased() == "content-type" })?.1 { signed.append(("content-type", type)) }
        return signer.sign(
            method: "POST", path: components.percentEncodedPath, query: components.percentEncodedQuery ?? "", headers: signed, body: body, date: now
        ).map { (name: $0.0, value: $0.1) }
    }

    public func errorMessage(_ body: [UInt8]) -> String? { BedrockError.read(body)?.message }

    public func isContextLengthError(_ body: [UInt8]) -> Bool {
        // ValidationException "Input is too long for requested model." / "…too many input tokens…"
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return text.contains("input is too long") || text.contains("too many input tokens") || text.contains("prompt is too long")
    }

    public func refusalClass(status: Int, body: [UInt8]) -> ErrorCode? {
        (status == 400 || status == 403) && BedrockError.read(body)?.isClockSkew == true ? .upstreamClockSkew : nil
    }

    public func isCredentialRefusal(status: Int, body: [UInt8]) -> Bool {
        // UnrecognizedClientException / InvalidSignatureException / ExpiredTokenException may come
        // as a 400 from some front ends; the name says whose problem it is.
        guard status == 400, let type = BedrockError.read(body)?.type else { return false }
        return BedrockError.credentialTypes.contains(type)
    }

    public func outcome(_ classified: UpstreamOutcome, status: Int, body: [UInt8], receivedAt: Date) -> UpstreamOutcome {
        if isCredentialRefusal(status: status, body: body) || refusalClass(status: status, body: body) != nil {
            return .credentialRejected(status: status)
        }
        switch BedrockError.read(body)?.type {
        case "ThrottlingException"?, "ModelNotReadyException"?, "TooManyRequestsException"?:
            // Both are 429 on the wire; should a front end answer otherwise, still a cooldown.
            if case .rateLimited = classified { return classified }
            return .rateLimited(retryAt: nil)
        case "ServiceUnavailableException"?:
            if case .serverError = classified { return classified }
            return .serverError(status: 503)
        default:
            return classified
        }
    }

    /// The provider's region; from its endpoint host when the field is empty.
    static func region(_ provider: ProviderConfig) -> String {
        if let region = provider.region, !region.isEmpty { return region }
        let host = URLComponents(string: provider.baseURL)?.host ?? ""
        let labels = host.split(separator: ".")
        if labels.count >= 4, labels[0].hasPrefix("bedrock") { return String(labels[1]) }
        return "us-east-1"
    }

    private func modelURL(_ provider: ProviderConfig, upstreamModel: String) -> String {
        let base = provider.baseURL.isEmpty ? ProviderProtocol.bedrockBaseURL(region: Self.region(provider)) : provider.baseURL
        // Model ids carry ':' (`anthropic.claude-3-haiku-20240307-v1:0`) and ARNs '/': one
        // segment, each reserved character encoded (SigV4 signs the encoded form once more).
        return VendorURL.trimmed(base) + "/model/" + SigV4Signer.uriEncode(upstreamModel)
    }
}

/// Bedrock's error: the type in the `x-amzn-ErrorType` header (`ThrottlingException:http://…`)
/// and, from some front ends, `__type` in the body; the text in `message` (or `Message`).
struct BedrockError {
    var type: String?
    var message: String

    static let credentialTypes: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "AccessDeniedException",
        "IncompleteSignatureException", "MissingAuthenticationTokenException",
    ]

    /// SigV4's time check: "Signature expired: … is now earlier than …", "Signature not yet current".
    var isClockSkew: Bool {
        let text = message.lowercased()
        return text.contains("signature expired") || text.contains("signature not yet current")
    }

    static func read(_ body: [UInt8], errorTypeHeader: String? = nil) -> BedrockError? {
        guard let object = (try? WireJSON.parse(body))?.objectValue,
            let message = (object["message"] ?? object["Message"])?.stringValue
        else { return nil }
        let raw = errorTypeHeader ?? object["__type"]?.stringValue
        return BedrockError(type: raw.map(Self.typeName), message: message)
    }

    /// `ThrottlingException:http://internal.amazon.com/…` and `com.amazon…#ThrottlingException` -> `ThrottlingException`.
    static func typeName(_ raw: String) -> String {
        var name = Substring(raw)
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
        if let hash = name.lastIndex(of: "#") { name = name[name.index(after: hash)...] }
        return String(name)
    }
}
