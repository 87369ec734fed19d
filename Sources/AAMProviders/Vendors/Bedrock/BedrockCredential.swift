import AAMCore

/// An AWS access key as the provider's sealed credential holds it: the JSON
/// `{"accessKeyId":…,"secretAccessKey":…,"sessionToken":…}` (the shape `aws configure
/// export-credentials` prints) or `ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]`.
///
/// Read only where a request is signed; nothing here is logged or described (the fields stay
/// out of `description`).
public struct BedrockCredential: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public var description: String { "<redacted>" }

    /// Nil when the text is neither form (the request then goes unsigned and AWS refuses it,
    /// which the error policy reports as a credential refusal).
    public static func read(_ credential: SecretValue) -> BedrockCredential? {
        let text = credential.revealForTransport().trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            guard let object = (try? WireJSON.parse(Array(text.utf8)))?.objectValue,
                let id = (object["accessKeyId"] ?? object["AccessKeyId"])?.stringValue,
                let secret = (object["secretAccessKey"] ?? object["SecretAccessKey"])?.stringValue,
                !id.isEmpty, !secret.isEmpty
            else { return nil }
            let token = (object["sessionToken"] ?? object["SessionToken"])?.stringValue
            return BedrockCredential(accessKeyID: id, secretAccessKey: secret, sessionToken: token?.isEmpty == true ? nil : token)
        }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return BedrockCredential(accessKeyID: parts[0], secretAccessKey: parts[1], sessionToken: parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil)
    }
}
