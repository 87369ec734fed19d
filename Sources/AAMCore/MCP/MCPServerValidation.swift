import Foundation

/// The rules for an MCP server entry and its tool mappings, shared by `POST /admin/mcp-servers`
/// and the config file's `mcpServers:` section, so both accept exactly the same servers and
/// explain a refusal with the same words. Each check names the first bad field.
public enum MCPServerValidation {
    /// One refused field: `field` is a dotted path (`injection.header`), `message` says why.
    /// Never carries the credential's value.
    public struct Problem: Error, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(_ message: String, field: String) {
            self.field = field
            self.message = message
        }
    }

    /// The fields of a server as written (the credential is checked, not kept).
    public struct ServerFields: Sendable {
        public var name: String
        public var url: String
        public var credential: String?
        public var protocolVersion: String?
        public var injectionType: String
        public var header: String?
        public var tokenURL: String?
        public var clientId: String?
        public var scope: String?

        public init(
            name: String, url: String, credential: String?, protocolVersion: String?, injectionType: String,
            header: String? = nil, tokenURL: String? = nil, clientId: String? = nil, scope: String? = nil
        ) {
            self.name = name
            self.url = url
            self.credential = credential
            self.protocolVersion = protocolVersion
            self.injectionType = injectionType
            self.header = header
            self.tokenURL = tokenURL
            self.clientId = clientId
            self.scope = scope
        }
    }

    /// The server without credential and tools, or the first bad field.
    /// `outbound` decides which hosts `url` and `injection.tokenURL` may name.
    public static func server(_ fields: ServerFields, outbound: OutboundURLPolicy) throws(Problem) -> MCPServerConfig {
        try slug(fields.name, field: "name")
        try httpURL(fields.url, field: "url", outbound: outbound)
        let version = fields.protocolVersion ?? MCPProtocol.sessionVersion
        guard MCPProtocol.versions.contains(version) else {
            throw Problem("must be one of \(MCPProtocol.versions.sorted().joined(separator: ", "))", field: "protocolVersion")
        }
        guard let kind = MCPInjection.Kind(rawValue: fields.injectionType) else {
            throw Problem(
                "unknown injection type '\(fields.injectionType)' (expected one of \(MCPInjection.Kind.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "injection.type")
        }
        guard let credential = fields.credential, !credential.isEmpty else { throw Problem("is required", field: "credential") }
        switch kind {
        case .bearer:
            if fields.header != nil { throw Problem("applies to injection type 'header' only", field: "injection.header") }
        case .header:
            guard let header = fields.header, !header.isEmpty, header.utf8.allSatisfy(isTokenByte) else {
                throw Problem("is required for injection type 'header' (an HTTP header name)", field: "injection.header")
            }
        case .oauthClientCredentials, .tokenExchange:
            guard let tokenURL = fields.tokenURL else { throw Problem("is required for injection type '\(kind.rawValue)'", field: "injection.tokenURL") }
            try httpURL(tokenURL, field: "injection.tokenURL", outbound: outbound)
            guard let clientId = fields.clientId, !clientId.isEmpty else {
                throw Problem("is required for injection type '\(kind.rawValue)'", field: "injection.clientId")
            }
        }
        if kind == .bearer || kind == .header {
            if fields.tokenURL != nil { throw Problem("applies to OAuth injection types only", field: "injection.tokenURL") }
            if fields.clientId != nil { throw Problem("applies to OAuth injection types only", field: "injection.clientId") }
        }
        return MCPServerConfig(
            name: fields.name, url: fields.url, protocolVersion: version,
            injection: MCPInjection(type: kind, header: fields.header, tokenURL: fields.tokenURL, clientId: fields.clientId, scope: fields.scope))
    }

    /// One tool mapping, or the first bad field.
    public static func tool(_ tool: String, resource: String, action: String, resourceIdFrom: String?) throws(Problem) -> MCPToolMapping {
        for (field, value) in [("tool", tool), ("resource", resource), ("action", action)] {
            guard !value.isEmpty, value.utf8.count <= 128, !value.contains(where: { $0.isWhitespace }) else {
                throw Problem("must be 1-128 characters without spaces", field: field)
            }
        }
        if let path = resourceIdFrom, path.isEmpty || path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw Problem("must be a dotted argument path such as 'account.id'", field: "resourceIdFrom")
        }
        return MCPToolMapping(tool: tool, resource: resource, action: action, resourceIdFrom: resourceIdFrom)
    }

    /// RFC 9110 token characters (a header name).
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    // The admin API's wording for these two rules (its `AdminValidation`), kept word for word.
    private static func slug(_ value: String, field: String) throws(Problem) {
        guard Slug.isValid(value) else {
            throw Problem("must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit", field: field)
        }
    }

    private static func httpURL(_ value: String, field: String, outbound: OutboundURLPolicy) throws(Problem) {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw Problem("must be an http(s) URL with a host", field: field) }
        if let problem = outbound.problem(value) { throw Problem(problem, field: field) }
    }
}
