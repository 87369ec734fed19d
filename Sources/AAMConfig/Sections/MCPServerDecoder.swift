import AAMCore
import Foundation
import Yams

/// An `mcpServers:` item as decoded: the server (credential left out), its plaintext
/// credential, and its name as written (for duplicate checks with line numbers).
struct DeclaredMCPServer {
    var name: ScalarValue
    var server: MCPServerConfig
    var credential: SecretValue
}

/// Decodes one item of `mcpServers:`: the fields of `POST /admin/mcp-servers` plus the tool map
/// of `POST /admin/mcp-servers/NAME/tools`, checked by the same rules (`MCPServerValidation`)
/// and explained with the same words, each at the line of the offending field.
///
/// ```yaml
/// mcpServers:
///   - name: crm
///     url: https://tools.internal/mcp
///     protocolVersion: "2025-11-25"      # optional
///     credential: ${CRM_MCP_TOKEN}
///     injection: { type: bearer }        # bearer | header | oauth-client-credentials | token-exchange
///     tools:
///       - { tool: get_account, resource: salesforce.accounts, action: read, resourceIdFrom: id }
/// ```
enum MCPServerDecoder {
    static let fields = ["name", "url", "protocolVersion", "credential", "injection", "tools"]
    static let injectionFields = ["type", "header", "tokenURL", "clientId", "scope"]
    static let toolFields = ["tool", "resource", "action", "resourceIdFrom"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredMCPServer? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        var written: [String: ScalarValue] = [:]
        for key in ["name", "url", "protocolVersion", "credential"] {
            written[key] = reader.string(key, required: key == "name" || key == "url")
        }
        var injection: MappingReader?
        if let node = reader.value("injection") {
            injection = MappingReader(node, path: path.child("injection"), context: context, fields: injectionFields)
        } else {
            reader.reportMissing("injection", note: "e.g. { type: bearer }")
        }
        if let injection {
            for key in injectionFields {
                written["injection." + key] = injection.string(key, required: key == "type")
            }
        }
        let tools = decodeTools(reader)
        guard let name = written["name"], let url = written["url"], let type = written["injection.type"] else { return nil }
        // A credential whose `${NAME}` is unset is already reported; "is required" would repeat it.
        guard written["credential"] != nil || !context.hasReported(path.child("credential")) else { return nil }
        let fields = MCPServerValidation.ServerFields(
            name: name.text, url: url.text, credential: written["credential"]?.text, protocolVersion: written["protocolVersion"]?.text,
            injectionType: type.text, header: written["injection.header"]?.text, tokenURL: written["injection.tokenURL"]?.text,
            clientId: written["injection.clientId"]?.text, scope: written["injection.scope"]?.text)
        var server: MCPServerConfig
        do {
            server = try MCPServerValidation.server(fields, outbound: context.outbound)
        } catch {
            report(error, written: written, reader: reader, injection: injection)
            return nil
        }
        guard let credential = written["credential"] else { return nil }
        server.tools = tools
        return DeclaredMCPServer(name: name, server: server, credential: SecretValue(credential.text))
    }

    /// `tools:`, each checked like `POST /admin/mcp-servers/NAME/tools`; a tool listed twice is
    /// an error (the admin API would silently replace the first mapping).
    private static func decodeTools(_ reader: MappingReader) -> [String: MCPToolMapping] {
        var declared: [(name: ScalarValue, mapping: MCPToolMapping)] = []
        for item in reader.list("tools") ?? [] {
            guard let tool = MappingReader(item.node, path: item.path, context: reader.context, fields: toolFields) else { continue }
            var written: [String: ScalarValue] = [:]
            for key in toolFields { written[key] = tool.string(key, required: key != "resourceIdFrom") }
            guard let name = written["tool"], let resource = written["resource"], let action = written["action"] else { continue }
            do {
                let mapping = try MCPServerValidation.tool(
                    name.text, resource: resource.text, action: action.text, resourceIdFrom: written["resourceIdFrom"]?.text)
                declared.append((name, mapping))
            } catch {
                let scalar = written[error.field]
                reader.context.report(item.path.child(error.field), at: scalar?.mark ?? tool.mark, message(error, scalar))
            }
        }
        let unique = UniqueIndex.build(declared, identity: { $0.name }, kind: "tool", context: reader.context)
        return unique.mapValues(\.mapping)
    }

    /// Places a validation problem at its field (or, for a missing one, where it belongs).
    private static func report(
        _ problem: MCPServerValidation.Problem, written: [String: ScalarValue], reader: MappingReader, injection: MappingReader?
    ) {
        let scalar = written[problem.field]
        var mark = scalar?.mark
        if mark == nil {
            let parts = problem.field.split(separator: ".").map(String.init)
            mark = parts.count == 2 ? (injection?.keyMark(parts[1]) ?? reader.keyMark(parts[0])) : reader.keyMark(problem.field)
        }
        reader.context.report(reader.path.child(problem.field), at: mark, message(problem, scalar))
    }

    /// The shared message, with a value that came from the environment shown as written.
    private static func message(_ problem: MCPServerValidation.Problem, _ scalar: ScalarValue?) -> String {
        guard let scalar, scalar.usedEnvironment, !scalar.text.isEmpty else { return problem.message }
        return problem.message.replacingOccurrences(of: "'\(scalar.text)'", with: "'\(scalar.source)'")
    }
}
