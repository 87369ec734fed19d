import AAMCore
import Foundation
import Yams

/// Decodes one item of `keys:`, a bootstrap virtual key whose secret the file declares.
///
/// The secret is never echoed: errors about it say what shape was expected, not what was found.
enum KeyDecoder {
    static let fields = ["id", "orgId", "teamId", "projectId", "name", "secret", "models", "expiresAt", "metadata", "region", "budgets", "rpm", "tpm"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext, now: Date) -> DeclaredKey? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let id = reader.slug("id", required: true)
        let orgId = reader.slug("orgId", required: true)
        let teamId = reader.slug("teamId")
        let projectId = reader.slug("projectId")
        let name = reader.string("name")?.text
        let region = reader.string("region")?.text
        let secretField = readSecret(reader)
        let models = reader.strings("models")
        let limits = GovernanceDecoder.decode(reader, models: false)
        let expiresAt = readDate(reader, "expiresAt")
        var metadata: [String: String] = [:]
        for entry in reader.stringMap("metadata") ?? [] { metadata[entry.name] = entry.value.text }
        guard let id else { return nil }
        var key = VirtualKey(
            id: id.text, prefix: "", secretHash: "", orgId: orgId?.text ?? "", teamId: teamId?.text,
            projectId: projectId?.text, name: name, createdAt: now, expiresAt: expiresAt,
            models: models.map { $0.map(\.text) }, metadata: metadata, requiredRegion: region
        )
        (key.budgets, key.rpm, key.tpm) = (limits.budgets, limits.rpm, limits.tpm)
        return DeclaredKey(
            id: id, key: key, secret: secretField.map { SecretValue($0.text) }, secretField: secretField,
            orgId: orgId, teamId: teamId, projectId: projectId, models: models ?? []
        )
    }

    private static func readSecret(_ reader: MappingReader) -> ScalarValue? {
        guard let scalar = reader.string("secret", required: true) else { return nil }
        guard VirtualKeyFormat.looksValid(scalar.text) else {
            reader.context.report(
                scalar.path, at: scalar.mark,
                "malformed key secret (expected '\(VirtualKeyFormat.marker)' followed by "
                    + "\(VirtualKeyFormat.randomLength) letters and digits)")
            return nil
        }
        return scalar
    }

    private static func readDate(_ reader: MappingReader, _ key: String) -> Date? {
        guard let scalar = reader.string(key) else { return nil }
        guard let date = ISO8601Timestamp.parse(scalar.text) else {
            reader.context.report(
                scalar.path, at: scalar.mark,
                "invalid timestamp \(scalar.display) (expected ISO 8601, e.g. 2027-01-01T00:00:00Z)")
            return nil
        }
        return date
    }
}
