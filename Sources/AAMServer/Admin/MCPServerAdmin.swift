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
    /// The rules are `MCPServerValidation`'s, shared with the config file's `mcpServers:`.
    func validated(outbound: OutboundURLPolicy) throws(AdminError) -> MCPServerConfig {
        let fields = MCPServerValidation.ServerFields(
            name: name, url: url, credential: credential, protocolVersion: protocolVersion, injectionType: injection.type,
            header: injection.header, tokenURL: injection.tokenURL, clientId: injection.clientId, scope: injection.scope)
        do {
            return try MCPServerValidation.server(fields, outbound: outbound)
        } catch {
            throw AdminError(error.message, field: error.field)
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
        do {
            return try MCPServerValidation.tool(tool, resource: resource, action: action, resourceIdFrom: resourceIdFrom)
        } catch {
            throw AdminError(error.message, field: error.field)
        }
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
        let server = try input.validated(outbound: outbound)
        // Sealed inside the change lock (see `mutate(sealing:)`).
        return try await mutate(
            actor: actor, action: "mcp_server.create", target: server.name, sealing: SecretValue(input.credential ?? ""),
            owner: MCPServerConfig.credentialOwner(server.name)
        ) { state, sealed throws(AdminError) in
            var created = server
            created.credential = sealed
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
