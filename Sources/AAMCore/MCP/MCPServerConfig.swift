import Foundation

/// An upstream MCP server in the tool catalog: where it is, which protocol style it speaks, the
/// sealed credential the broker injects on allowed calls, and how each of its tools maps to a
/// business resource and action. The agent never sees the credential.
public struct MCPServerConfig: Sendable, Hashable, Codable {
    public var name: String
    /// The upstream Streamable HTTP endpoint (`https://tools.internal/mcp`).
    public var url: String
    /// The MCP protocol version spoken upstream (`2025-11-25` or `2026-07-28`).
    public var protocolVersion: String
    /// Sealed under the owner `MCPServerConfig.credentialOwner(name)`.
    public var credential: SealedCredential?
    public var injection: MCPInjection
    /// Tool name -> mapping. Operator-declared only: server tool annotations are never read.
    public var tools: [String: MCPToolMapping]

    public init(
        name: String, url: String, protocolVersion: String = MCPProtocol.sessionVersion, credential: SealedCredential? = nil,
        injection: MCPInjection, tools: [String: MCPToolMapping] = [:]
    ) {
        self.name = name
        self.url = url
        self.protocolVersion = protocolVersion
        self.credential = credential
        self.injection = injection
        self.tools = tools
    }

    /// The owner a server's credential is sealed to (bound as AAD), distinct from provider names.
    public static func credentialOwner(_ name: String) -> String { "mcp:\(name)" }
}

/// How the broker presents the server's credential upstream.
public struct MCPInjection: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// `Authorization: Bearer <credential>`.
        case bearer
        /// `<header>: <credential>`.
        case header
        /// OAuth 2.0 client credentials at `tokenURL` (`clientId`, credential as the secret).
        case oauthClientCredentials = "oauth-client-credentials"
        /// RFC 8693 token exchange at `tokenURL`, the workload's identity as the subject token.
        case tokenExchange = "token-exchange"
    }

    public var type: Kind
    public var header: String?
    public var tokenURL: String?
    public var clientId: String?
    public var scope: String?

    public init(type: Kind, header: String? = nil, tokenURL: String? = nil, clientId: String? = nil, scope: String? = nil) {
        self.type = type
        self.header = header
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.scope = scope
    }
}

/// One tool of one server mapped to a business resource and action.
public struct MCPToolMapping: Sendable, Hashable, Codable {
    public var tool: String
    public var resource: String
    public var action: String
    /// A dotted path into the call's arguments naming the resource instance (`account.id`).
    public var resourceIdFrom: String?

    public init(tool: String, resource: String, action: String, resourceIdFrom: String? = nil) {
        self.tool = tool
        self.resource = resource
        self.action = action
        self.resourceIdFrom = resourceIdFrom
    }
}

/// Protocol constants of MCP Streamable HTTP.
public enum MCPProtocol {
    /// The session-based style: `initialize`, then `Mcp-Session-Id` on every request.
    public static let sessionVersion = "2025-11-25"
    /// The stateless style: `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` on every request.
    public static let statelessVersion = "2026-07-28"
    public static let versions: Set<String> = [sessionVersion, statelessVersion]
    /// JSON-RPC error code for headers that disagree with the body.
    public static let headerMismatchCode = -32020
}
