import AAMCore
import Foundation
import Yams

/// An AgentPolicy declared in the config file: its name, the document text the broker stores
/// (and versions) and the policy decoded from it.
public struct ConfigPolicy: Sendable, Equatable {
    /// `metadata.name`.
    public var name: String
    /// The policy file's text, or an inline policy written out as YAML.
    public var document: String
    public var policy: AgentPolicy

    public init(name: String, document: String, policy: AgentPolicy) {
        self.name = name
        self.document = document
        self.policy = policy
    }
}

/// A policy item as decoded, with where the file declares it (for duplicate-name errors).
struct DeclaredPolicy {
    /// The policy name, placed at the config line that declares it.
    var name: ScalarValue
    var config: ConfigPolicy
}

/// Decodes one item of `policies:`, either a reference or an inline document:
///
/// ```yaml
/// policies:
///   - file: policies/finance-analyst-readonly.yaml   # relative to this file's folder
///   - apiVersion: access.envisionai.dev/v1
///     kind: AgentPolicy
///     metadata: { name: ... }
///     spec: { ... }
/// ```
///
/// Both are read by the policy loader's own decoder, so they follow exactly the rules of
/// `aam policy check` and `PUT /admin/policies`. Errors in a referenced file name that file and
/// its lines; errors in an inline policy name the config file's lines. Like policy files,
/// inline policies do not read the environment.
enum PolicySectionDecoder {
    static let referenceFields = ["file"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredPolicy? {
        guard case .mapping(let mapping) = node else {
            context.report(
                path, at: node.mark,
                "expected a mapping ({ file: PATH } or an inline AgentPolicy), got \(node.kindDescription)")
            return nil
        }
        let isReference = mapping.keys.contains { $0.string == "file" }
        return isReference ? reference(node, path: path, context: context) : inline(node, path: path, context: context)
    }

    /// `{ file: PATH }`: the policy file is read and loaded, its errors located in it.
    private static func reference(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredPolicy? {
        guard case .mapping(let mapping) = node else { return nil }
        for key in mapping.keys where key.string != "file" {
            context.report(
                path.child(key.string ?? "?"), at: key.mark,
                "not allowed next to 'file' (an item is either { file: PATH } or an inline AgentPolicy)")
        }
        guard let reader = MappingReader(node, path: path, context: context),
            let file = reader.string("file", required: true)
        else { return nil }
        let location = context.referencedFile(file.text)
        let text: String
        do {
            text = try String(contentsOfFile: location.read, encoding: .utf8)
        } catch {
            context.report(file.path, at: file.mark, "cannot read \(file.display) (\(PolicyLoader.readFailure(error)))")
            return nil
        }
        do {
            let policy = try PolicyLoader.load(text: text, file: location.display)
            let name = ScalarValue(
                text: policy.name, source: policy.name, usedEnvironment: false, isQuoted: false, mark: file.mark, path: file.path)
            return DeclaredPolicy(name: name, config: ConfigPolicy(name: policy.name, document: text, policy: policy))
        } catch {
            error.errors.forEach(context.append)
            return nil
        }
    }

    /// An inline document: decoded in place (config lines, `policies[N].` paths), then written
    /// out as the YAML text the broker stores.
    private static func inline(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredPolicy? {
        // A context of its own: no environment (as for policy files), paths rebased below.
        let inner = DecodingContext(file: context.file, environment: [:])
        let decoded = PolicyDocumentDecoder.decode(node, context: inner)
        for error in inner.errors {
            var located = PolicyLoader.explainingEnvironment(error)
            located.field = error.field.isEmpty ? path.description : path.description + "." + error.field
            context.append(located)
        }
        guard inner.errors.isEmpty, let policy = decoded else { return nil }
        // The stored text must load back to the very policy checked here (anchors or tags that
        // do not survive writing out would otherwise change its meaning silently).
        guard let document = try? Yams.serialize(node: node), (try? PolicyLoader.load(text: document, file: "inline")) == policy
        else {
            context.report(path, at: node.mark, "this inline policy cannot be stored as written; move it to a policy file")
            return nil
        }
        let nameNode = node["metadata"]?["name"]
        let name = ScalarValue(
            text: policy.name, source: policy.name, usedEnvironment: false, isQuoted: false, mark: nameNode?.mark ?? node.mark,
            path: path.child("metadata").child("name"))
        return DeclaredPolicy(name: name, config: ConfigPolicy(name: policy.name, document: document, policy: policy))
    }
}
