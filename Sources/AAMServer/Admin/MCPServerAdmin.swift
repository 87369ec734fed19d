import AAMCore
import Foundation
import Hummingbird

/// `POST /admin/mcp-servers` body.
struct MCPServerInput: Decodable, Sendable {
    static let fields: Set<String> = ["name", "url", "credential", "protocolVersion", "injection"]
    static let injectionFields: Set<String> = ["type", "header", "tokenURL", "clientId", "scope"]
    var name: String
    var url: String
    var credential: String?
    var protocolVersion: String?
    var injection: Injection

    struct Injection: Decodable, Sendable {
        var type: String
        var header: String?
        var tokenURL: String?
        var clientId: String?
        var scope: String?
    }

    /// Checks every field, naming the first bad one (the credential is checked, not returned).
    func validated() throws(AdminError) -> MCPServerConfig {
        try AdminValidation.slug(name, field: "name")
        try AdminValidation.baseURL(url, field: "url")
        let version = protocolVersion ?? MCPProtocol.sessionVersion
        guard MCPProtocol.versions.contains(version) else {
            throw AdminError("must be one of \(MCPProtocol.versions.sorted().joined(separator: ", "))", field: "protocolVersion")
        }
        guard let kind = MCPInjection.Kind(rawValue: injection.type) else {
            throw AdminError(
                "unknown injection type '\(injection.type)' (expected one of \(MCPInjection.Kind.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "injection.type")
        }
        guard let credential, !credential.isEmpty else { throw AdminError("is required", field: "credential") }
        switch kind {
        case .bearer:
            if injection.header != nil { throw AdminError("applies to injection type 'header' only", field: "injection.header") }
        case .header:
            guard let header = injection.header, !header.isEmpty, header.utf8.allSatisfy(Self.isTokenByte) else {
                throw AdminError("is required for injection type 'header' (an HTTP header name)", field: "injection.header")
            }
        case .oauthClientCredentials, .tokenExchange:
            guard let tokenURL = injection.tokenURL else { throw AdminError("is required for injection type '\(kind.rawValue)'", field: "injection.tokenURL") }
            try AdminValidation.baseURL(tokenURL, field: "injection.tokenURL")
            guard let clientId = injection.clientId, !clientId.isEmpty else {
                throw AdminError("is required for injection type '\(kind.rawValue)'", field: "injection.clientId")
            }
        }
        if kind == .bearer || kind == .header {
            if injection.tokenURL != nil { throw AdminError("applies to OAuth injection types only", field: "injection.tokenURL") }
            if injection.clientId != nil { throw AdminError("applies to OAuth injection types only", field: "injection.clientId") }
        }
        return MCPServerConfig(
            name: name, url: url, protocolVersion: version,
            injection: MCPInjection(type: kind, header: injection.header, tokenURL: injection.tokenURL, clientId: injection.clientId, scope: injection.scope))
    }

    /// RFC 9110 token characters (a header name).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

/// `POST /admin/mcp-servers/NAME/tools` body.
struct MCPToolInput: Decodable, Sendable {
    static let fields: Set<String> = ["tool", "resource", "action", "resourceIdFrom"]
    var tool: String
    var resource: String
    var action: String
    var resourceIdFrom: String?

    func validated() throws(AdminError) -> MCPToolMapping {
        for (field, value) in [("tool", tool), ("resource", resource), ("action", action)] {
            guard !value.isEmpty, value.utf8.count <= 128, !value.contains(where: { $0.isWhitespace }) else {
                throw AdminError("must be 1-128 characters without spaces", field: field)
            }
        }
        if let path = resourceIdFrom, path.isEmpty || path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw AdminError("must be a dotted argument path such as 'account.id'", field: "resourceIdFrom")
        }
        return MCPToolMapping(tool: tool, resource: resource, action: action, resourceIdFrom: resourceIdFrom)
    }
}

/// What the admin API shows of a server: never the credential, only whether one is set and its fingerprint.
struct MCPServerView: Encodable, Sendable {
    var name: String
    var url: String
    var protocolVersion: String
    var injection: MCPInjection
    var credentialSet: Bool
    var credentialFingerprint: String?
    var tools: [MCPToolMapping]

    init(_ server: MCPServerConfig) {
        name = server.name
        url = server.url
        protocolVersion = server.protocolVersion
        injection = server.injection
        credentialSet = server.credential != nil
        credentialFingerprint = server.credential?.fingerprint
        tools = server.tools.values.sorted { $0.tool < $1.tool }
    }
}

extension ConfigRegistry {
    func createMCPServer(_ input: MCPServerInput, actor: String) async throws -> MCPServerConfig {
        var server = try input.validated()
        server.credential = try vault.seal(SecretValue(input.credential ?? ""), owner: MCPServerConfig.credentialOwner(server.name))
        let created = server
        return try await mutate(actor: actor, action: "mcp_server.create", target: created.name) { state throws(AdminError) in
            guard state.mcpServers[created.name] == nil else { throw AdminError.conflict("MCP server '\(created.name)' already exists") }
            state.mcpServers[created.name] = created
            return (created, [(.mcpServer, created.name)])
        }
    }

    func deleteMCPServer(_ name: String, actor: String) async throws {
        try await mutate(actor: actor, action: "mcp_server.delete", target: name) { state throws(AdminError) in
            guard state.mcpServers.removeValue(forKey: name) != nil else { throw AdminError.notFound("MCP server '\(name)'") }
            return ((), [(.mcpServer, name)])
        }
    }

    /// Maps (server, tool) to a resource and action; mapping a tool again replaces its mapping.
    func mapMCPTool(_ name: String, _ input: MCPToolInput, actor: String) async throws -> MCPServerConfig {
        let mapping = try input.validated()
        return try await mutate(actor: actor, action: "mcp_server.tool.map", target: name) { state throws(AdminError) in
            guard var server = state.mcpServers[name] else { throw AdminError.notFound("MCP server '\(name)'") }
            server.tools[mapping.tool] = mapping
            state.mcpServers[name] = server
            return (server, [(.mcpServer, name)])
        }
    }
}

/// `POST/GET /admin/mcp-servers`, `GET/DELETE /admin/mcp-servers/NAME`, `POST /admin/mcp-servers/NAME/tools`.
extension AdminRoutes {
    func registerMCPServers(on admin: RouterGroup<GatewayContext>) {
        admin.post("mcp-servers") { request, context in await guarded(request, context) { body in
            try Self.checkInjectionFields(body)
            let input = try AdminJSON.decode(MCPServerInput.self, from: body, allowed: MCPServerInput.fields)
            return Responses.json(MCPServerView(try await registry.createMCPServer(input, actor: auth.actorID)), status: .created)
        } }
        admin.get("mcp-servers") { request, context in await guarded(request, context) { _ in
            Responses.json(await registry.currentState.mcpServers.values.sorted { $0.name < $1.name }.map(MCPServerView.init))
        } }
        admin.get("mcp-servers/:name") { request, context in await guarded(request, context) { _ in
            let name = try parameter(context, "name")
            guard let server = await registry.currentState.mcpServers[name] else { throw AdminError.notFound("MCP server '\(name)'") }
            return Responses.json(MCPServerView(server))
        } }
        admin.delete("mcp-servers/:name") { request, context in await guarded(request, context) { _ in
            try await registry.deleteMCPServer(try parameter(context, "name"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
        admin.post("mcp-servers/:name/tools") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(MCPToolInput.self, from: body, allowed: MCPToolInput.fields)
            return Responses.json(MCPServerView(try await registry.mapMCPTool(try parameter(context, "name"), input, actor: auth.actorID)))
        } }
    }

    /// Unknown fields inside `injection` get the same "did you mean" as top-level ones.
    static func checkInjectionFields(_ body: [UInt8]) throws(AdminError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let injection = object["injection"] as? [String: Any]
        else { return }
        for key in injection.keys.sorted() where !MCPServerInput.injectionFields.contains(key) {
            let suggestion = AdminJSON.closest(key, in: MCPServerInput.injectionFields).map { " (did you mean '\($0)'?)" } ?? ""
            throw AdminError("unknown field\(suggestion)", field: "injection.\(key)")
        }
    }
}
