import Foundation

/// One JSON-RPC 2.0 request or notification sent to an MCP endpoint, decoded just enough to
/// route and authorize it (the body is forwarded as sent).
public struct MCPRequest: Sendable, Hashable {
    /// nil for a notification.
    public var id: JSONValue?
    public var method: String
    public var params: [String: JSONValue]

    /// `params.name` (the tool of `tools/call`, the prompt of `prompts/get`).
    public var name: String? { params["name"]?.stringValue }
    /// `params.arguments` of `tools/call`.
    public var arguments: JSONValue? { params["arguments"] }

    /// Decodes a single JSON-RPC request; batches are not part of Streamable HTTP since 2025-06-18.
    ///
    /// The body is first held to the shared strict check (`JSONObjectScanner.validate`): the
    /// broker decides on this parse and forwards the bytes as sent, so an object holding a key
    /// twice at any depth (`"method"` twice, `params.name` twice, an argument twice) is refused;
    /// otherwise the broker and a last-wins MCP server would read different requests.
    public init(body: [UInt8]) throws(MCPError) {
        do { try JSONObjectScanner.validate(body) } catch {
            if let key = error.duplicateKey {
                throw MCPError(
                    status: 400, code: -32600, message: "Invalid Request: \(error.message) in the JSON-RPC message",
                    duplicateKey: key)
            }
            throw MCPError(status: 400, code: -32700, message: "Parse error: the body is not valid JSON (\(error.description))")
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            throw MCPError(status: 400, code: -32700, message: "Parse error: the body is not a JSON-RPC object")
        }
        guard object["jsonrpc"]?.stringValue == "2.0", let method = object["method"]?.stringValue, !method.isEmpty else {
            throw MCPError(status: 400, code: -32600, message: "Invalid Request: expected jsonrpc \"2.0\" and a method", id: object["id"])
        }
        guard method.utf8.count <= Self.maxMethodBytes else {
            throw MCPError(status: 400, code: -32600, message: "Invalid Request: method is over \(Self.maxMethodBytes) bytes", id: object["id"])
        }
        var params: [String: JSONValue] = [:]
        switch object["params"] {
        case nil, .null?: break
        case .object(let value)?: params = value
        default: throw MCPError(status: 400, code: -32602, message: "Invalid params: expected an object", id: object["id"])
        }
        // The method and the tool name are recorded and shown (call record, console, SIEM):
        // bounded here, before anything records them.
        if let name = params["name"]?.stringValue, name.utf8.count > Self.maxNameBytes {
            throw MCPError(status: 400, code: -32602, message: "Invalid params: params.name is over \(Self.maxNameBytes) bytes", id: object["id"])
        }
        self.id = object["id"]
        self.method = method
        self.params = params
    }

    /// Longest `method` accepted (every MCP method name is a few dozen bytes).
    public static let maxMethodBytes = 128
    /// Longest `params.name` (a tool or prompt name) accepted.
    public static let maxNameBytes = 256

    /// The stateless (2026-07-28) style repeats the method and name in headers so proxies can
    /// route without parsing; the broker refuses a request whose headers disagree with its body.
    public func checkHeaders(method headerMethod: String?, name headerName: String?) throws(MCPError) {
        guard let headerMethod else {
            throw MCPError(status: 400, code: MCPProtocol.headerMismatchCode, message: "Mcp-Method header is required", id: id)
        }
        guard headerMethod == method else {
            throw MCPError(
                status: 400, code: MCPProtocol.headerMismatchCode,
                message: "Mcp-Method header '\(headerMethod.prefix(Self.maxMethodBytes))' does not match the body's method '\(method)'", id: id)
        }
        guard headerName == name else {
            throw MCPError(
                status: 400, code: MCPProtocol.headerMismatchCode,
                message: "Mcp-Name header '\((headerName ?? "").prefix(Self.maxNameBytes))' does not match the body's params.name '\(name ?? "")'", id: id)
        }
    }
}

/// A JSON-RPC error answered with an HTTP status (transport-level refusals only: a policy
/// denial is a tool result, not one of these).
public struct MCPError: Error, Sendable, Hashable {
    public var status: Int
    public var code: Int
    public var message: String
    public var id: JSONValue?
    /// Set when the request was refused for holding a key twice (the call is recorded as refused).
    public var duplicateKey: String?

    public init(status: Int, code: Int, message: String, id: JSONValue? = nil, duplicateKey: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.id = id
        self.duplicateKey = duplicateKey
    }

    /// `{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}`.
    public var body: [UInt8] {
        MCPResponse.encode(.object(["jsonrpc": .string("2.0"), "id": id ?? .null, "error": .object(["code": .number(Double(code)), "message": .string(message)])]))
    }
}

/// Builders of the JSON-RPC answers the broker writes itself.
public enum MCPResponse {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}"#.utf8)
    }

    public static func result(id: JSONValue?, _ result: JSONValue) -> [UInt8] {
        encode(.object(["jsonrpc": .string("2.0"), "id": id ?? .null, "result": result]))
    }

    /// A denied tool call: a normal tool result with `isError: true` and the stable reason.
    public static func denied(id: JSONValue?, reason: String, rule: String, policy: String?, version: Int?) -> [UInt8] {
        var structured: [String: JSONValue] = ["reason": .string(reason), "rule": .string(rule)]
        if let policy { structured["policy"] = .string(policy) }
        if let version { structured["version"] = .number(Double(version)) }
        let text = "denied: \(reason) (rule \(rule)\(policy.map { ", policy \($0)" } ?? ""))"
        return result(
            id: id,
            .object([
                "content": .array([.object(["type": .string("text"), "text": .string(text)])]),
                "isError": .bool(true), "structuredContent": .object(structured),
            ]))
    }

    /// Keeps only the tools `keep` accepts in a `tools/list` answer; anything else is unchanged.
    public static func filterToolList(_ message: JSONValue, keep: (String) -> Bool) -> JSONValue {
        guard case .object(var object) = message, case .object(var result)? = object["result"],
            case .array(let tools)? = result["tools"]
        else { return message }
        result["tools"] = .array(tools.filter { tool in
            guard case .object(let fields) = tool, let name = fields["name"]?.stringValue else { return false }
            return keep(name)
        })
        object["result"] = .object(result)
        return .object(object)
    }

    /// Applies `transform` to every string in `value`, object keys included (used to redact
    /// secrets a tool echoes: a secret returned as a key must not survive). Two keys that
    /// become the same text are both kept, the later ones suffixed ` (2)`, ` (3)`… in key order.
    public static func mapStrings(_ value: JSONValue, _ transform: (String) -> String) -> JSONValue {
        switch value {
        case .string(let text): return .string(transform(text))
        case .array(let items): return .array(items.map { mapStrings($0, transform) })
        case .object(let fields):
            var mapped: [String: JSONValue] = [:]
            for key in fields.keys.sorted() {
                guard let field = fields[key] else { continue }
                let base = transform(key)
                var name = base
                var suffix = 2
                while mapped[name] != nil {
                    name = "\(base) (\(suffix))"
                    suffix += 1
                }
                mapped[name] = mapStrings(field, transform)
            }
            return .object(mapped)
        default: return value
        }
    }

    /// The value at a dotted path in the arguments (`account.id`), as text, if present.
    public static func value(at path: String, in arguments: JSONValue?) -> String? {
        var current = arguments
        for segment in path.split(separator: ".") {
            guard case .object(let fields)? = current else { return nil }
            current = fields[String(segment)]
        }
        switch current {
        case .string(let text)?: return text
        case .number(let number)?: return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag)?: return String(flag)
        default: return nil
        }
    }
}
