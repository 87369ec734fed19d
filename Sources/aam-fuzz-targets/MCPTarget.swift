import AAMCore
import AAMProviders
import Foundation

/// MCP JSON-RPC request parsing (`MCPRequest(body:)`) and the answers the broker builds.
///
/// Invariants: nothing traps; a body the broker accepts passes the shared strict JSON check
/// and reads the same (method, `params.name`) with an independent parser (`WireJSON`), so the
/// MCP server behind it acts on the request the policy judged; the broker's own answers
/// (results, errors) are valid JSON.
enum MCPTarget {
    static let target = FuzzTarget.mcp

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        let request: MCPRequest
        do {
            request = try MCPRequest(body: input)
        } catch {
            try valid("the error answer", error.body)
            return
        }
        do { try JSONObjectScanner.validate(input) } catch {
            throw InvariantViolation(target.rawValue, "accepted a body the strict check refuses (\(error)): \(excerpt(input))")
        }
        if let wire = try? WireJSON.parse(input) {
            try check(wire["method"]?.stringValue == request.method, target,
                "method read as \(String(reflecting: request.method)), another parser reads \(String(describing: wire["method"]))")
            let otherName = wire["params"]?["name"]?.stringValue
            try check(otherName == request.name, target,
                "params.name read as \(String(describing: request.name)), another parser reads \(String(describing: otherName))")
        }
        do { try request.checkHeaders(method: request.method, name: request.name) } catch {
            throw InvariantViolation(target.rawValue, "headers repeating the body were refused: \(error.message)")
        }
        let params = JSONValue.object(request.params)
        try valid("a result echoing params", MCPResponse.result(id: request.id, params))
        try valid("a denial", MCPResponse.denied(id: request.id, reason: request.method, rule: request.name ?? "", policy: nil, version: 1))
        let filtered = MCPResponse.filterToolList(.object(["result": params]), keep: { !$0.isEmpty })
        try valid("a filtered tool list", MCPResponse.encode(filtered))
        try check(MCPResponse.mapStrings(params, { $0 }) == params, target, "mapStrings with the identity changed the params")
        if case .object(let arguments)? = request.arguments {
            for key in arguments.keys.prefix(16) {
                _ = MCPResponse.value(at: key, in: request.arguments)
                _ = MCPResponse.value(at: "\(key).\(key)", in: request.arguments)
            }
        }
    }

    static func valid(_ what: String, _ body: [UInt8]) throws(InvariantViolation) {
        do { try JSONObjectScanner.validate(body) } catch {
            throw InvariantViolation(target.rawValue, "\(what) is not valid JSON (\(error)): \(excerpt(body, limit: 400))")
        }
    }
}
