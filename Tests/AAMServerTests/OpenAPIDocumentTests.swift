import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import Yams

@testable import AAMServer

/// docs/openapi.yaml held to the daemon: a well-formed OpenAPI 3.1 document whose routes are
/// exactly the ones the admin listener registers (read from the router itself, so there is no
/// second hand-written list), and whose every operation, called on a running daemon with the
/// document's own examples, answers a status the document lists, in the shape it describes.
@Suite struct OpenAPIDocumentTests {
    static let documentPath = PersistenceTests.repositoryRoot.appendingPathComponent("docs/openapi.yaml").path

    @Test func isAWellFormedOpenAPI31DocumentWhoseReferencesAllResolve() throws {
        let document = try OpenAPIDocument.load(Self.documentPath)
        #expect(document.root["openapi"] as? String == "3.1.0")
        #expect((document.root["info"] as? [String: Any])?["title"] as? String != nil)
        let schemes = try #require((document.root["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])
        let admin = try #require(schemes["adminToken"] as? [String: Any])
        #expect(admin["type"] as? String == "http" && admin["scheme"] as? String == "bearer")

        let references = OpenAPIDocument.references(in: document.root)
        #expect(references.count > 100, "expected the document to reuse its components, found \(references.count) $refs")
        for reference in references {
            #expect(document.resolve(reference) != nil, "$ref \(reference) does not resolve")
        }

        #expect(!document.operations.isEmpty)
        var operationIDs = Set<String>()
        for operation in document.operations {
            let id = try #require(operation.object["operationId"] as? String, "\(operation) has no operationId")
            #expect(operationIDs.insert(id).inserted, "operationId \(id) is used twice")
            let responses = try #require(operation.object["responses"] as? [String: Any], "\(operation) has no responses")
            for status in responses.keys {
                #expect(Int(status).map { (100...599).contains($0) } == true, "\(operation): response key '\(status)' is not a status")
            }
            // Every `{name}` of the path is a declared path parameter with an example to call it with.
            let declared = Set(document.parameters(of: operation).filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
            #expect(declared == Set(operation.pathParameterNames), "\(operation): path parameters \(declared.sorted()) vs \(operation.pathParameterNames)")
            // Protected unless it says otherwise; a protected route documents the token's refusal.
            if operation.isProtected(document) { #expect(responses["401"] != nil, "\(operation) is protected but lists no 401") }
        }
    }

    @Test func documentsExactlyTheRoutesTheAdminListenerRegisters() async throws {
        let document = try OpenAPIDocument.load(Self.documentPath)
        let gateway = try await GatewayHarness.start { $0.adminListen = ListenAddress(host: "127.0.0.1", port: 0) }
        // The router the admin listener serves, built the same way (`Gateway.makeAdminApplication`).
        let registered = Set(gateway.gateway.makeRouter(surface: .admin).routes.map { OpenAPIDocument.routeKey($0.method.rawValue, $0.path.description) })
        await gateway.stop()
        let documented = Set(document.operations.map(\.routeKey))
        #expect(registered.count > 60, "the router listed only \(registered.count) routes")
        #expect(registered.subtracting(documented).isEmpty, "registered but not in docs/openapi.yaml: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "in docs/openapi.yaml but not registered: \(documented.subtracting(registered).sorted())")
    }

    @Test func everyDocumentedOperationAnswersADocumentedStatusOnARunningDaemon() async throws {
        let document = try OpenAPIDocument.load(Self.documentPath)
        let gateway = try await GatewayHarness.start { $0.adminListen = ListenAddress(host: "127.0.0.1", port: 0) }
        do {
            let base = "http://127.0.0.1:\(try #require(gateway.gateway.adminPort))"
            // Creations first (in document order, which creates what later calls name), then
            // reads and changes, then deletions: most calls meet the entity their example names.
            let ordered = document.operations.enumerated().sorted { a, b in
                (a.element.phase, a.offset) < (b.element.phase, b.offset)
            }.map(\.element)
            var succeeded = 0
            var answers: [String: Any] = [:]  // operationId -> the JSON of its 2xx answer
            for operation in ordered {
                let path = try document.examplePath(of: operation, answers: answers)
                let body = try document.exampleBody(of: operation)
                let token = operation.isProtected(document) ? GatewayHarness.adminToken : nil
                let reply = try await Self.send(operation.method, base + path, token: token, body: body)
                let responses = try #require(operation.object["responses"] as? [String: Any])
                let label = "\(operation.method) \(path) -> \(reply.status) \(reply.text.prefix(300))"
                // Never the router's own refusals: every documented route exists with this method.
                #expect(reply.status != 405, "\(label)")
                if reply.status == 404 { #expect(!((try? reply.errorMessage()) ?? "").hasPrefix("No route for"), "\(label)") }
                guard let documented = responses[String(reply.status)] as? [String: Any] else {
                    Issue.record("status not documented: \(label)")
                    continue
                }
                let response = document.resolveObject(documented)
                if (200..<300).contains(reply.status) {
                    succeeded += 1
                    if let id = operation.object["operationId"] as? String { answers[id] = try? JSONSerialization.jsonObject(with: Data(reply.bytes)) }
                }
                // The body is what the document says: the error component, or the success schema.
                if let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] {
                    let value = try JSONSerialization.jsonObject(with: Data(reply.bytes), options: [.fragmentsAllowed])
                    let problems = document.shapeProblems(value, schema: schema, at: "body")
                    #expect(problems.isEmpty, "\(label): \(problems.prefix(5))")
                }
            }
            // The examples work together: most calls succeed (the rest are documented refusals
            // such as deleting a provider still in use, or rotating a key the example only names).
            #expect(succeeded * 4 >= ordered.count * 3, "only \(succeeded) of \(ordered.count) operations succeeded")

            // Without the token a protected route is refused as documented.
            let refused = try await Self.send("GET", base + "/admin/providers", token: nil, body: nil)
            #expect(refused.status == 401, "\(refused.text)")
            #expect(try refused.errorCode() == "invalid_admin_token", "\(refused.text)")
            let listProviders = try #require(document.operations.first { $0.routeKey == "GET /admin/providers" })
            let unauthorized = try #require((listProviders.object["responses"] as? [String: Any])?["401"] as? [String: Any])
            let errorSchema = try #require(((document.resolveObject(unauthorized)["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"])
            let problems = document.shapeProblems(try JSONSerialization.jsonObject(with: Data(refused.bytes)), schema: errorSchema, at: "body")
            #expect(problems.isEmpty, "\(problems)")
            let wrong = try await Self.send("GET", base + "/admin/providers", token: "not-the-token", body: nil)
            #expect(wrong.status == 401, "\(wrong.text)")
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func send(_ method: String, _ url: String, token: String?, body: [UInt8]?) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 8 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(collected.readableBytesView))
    }
}

/// The parts of an OpenAPI document the tests read: operations in document order, `$ref`
/// resolution, examples to call an operation with, and a structural check of a JSON value
/// against a schema (types, required members, no undocumented members in responses).
struct OpenAPIDocument {
    struct Operation: CustomStringConvertible {
        var method: String
        var path: String
        var object: [String: Any]
        var pathItem: [String: Any]

        var description: String { "\(method) \(path)" }
        var routeKey: String { OpenAPIDocument.routeKey(method, path) }

        var pathParameterNames: [String] {
            path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
        }

        /// 0: creations and actions, 1: reads and changes, 2: deletions.
        var phase: Int {
            switch method {
            case "POST", "PUT": 0
            case "DELETE": 2
            default: 1
            }
        }

        func isProtected(_ document: OpenAPIDocument) -> Bool {
            let security = (object["security"] ?? document.root["security"]) as? [Any] ?? []
            return !security.isEmpty
        }
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    let root: [String: Any]
    let operations: [Operation]

    static func load(_ path: String) throws -> OpenAPIDocument {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let root = try #require(normalized(try Yams.load(yaml: text)) as? [String: Any], "docs/openapi.yaml is not a mapping")
        let paths = try #require(root["paths"] as? [String: Any], "no paths")
        // `paths` in the order written (the loaded dictionary has none).
        let order = try #require(try Yams.compose(yaml: text)?["paths"]?.mapping?.keys.compactMap(\.string))
        var operations: [Operation] = []
        for path in order {
            let item = try #require(paths[path] as? [String: Any], "path \(path) is not a mapping")
            for method in methods {
                if let object = item[method] as? [String: Any] {
                    operations.append(Operation(method: method.uppercased(), path: path, object: object, pathItem: item))
                }
            }
        }
        return OpenAPIDocument(root: root, operations: operations)
    }

    /// Yams gives `[AnyHashable: Any]` mappings; the tests read `[String: Any]`.
    static func normalized(_ value: Any?) -> Any? {
        switch value {
        case let mapping as [AnyHashable: Any]:
            return Dictionary(uniqueKeysWithValues: mapping.map { (String(describing: $0.key.base), normalized($0.value) as Any) })
        case let sequence as [Any]: return sequence.map { normalized($0) as Any }
        default: return value
        }
    }

    /// `METHOD /path/{}/…`: path parameters (and a router's `**` tail) compared by position.
    static func routeKey(_ method: String, _ path: String) -> String {
        let segments = path.split(separator: "/").map { segment in
            segment == "**" || (segment.hasPrefix("{") && segment.hasSuffix("}")) ? "{}" : String(segment)
        }
        return method.uppercased() + " /" + segments.joined(separator: "/")
    }

    static func references(in value: Any) -> [String] {
        switch value {
        case let object as [String: Any]:
            ((object["$ref"] as? String).map { [$0] } ?? []) + object.values.flatMap(references(in:))
        case let array as [Any]: array.flatMap(references(in:))
        default: []
        }
    }

    /// A local JSON pointer (`#/components/schemas/Provider`).
    func resolve(_ reference: String) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = root
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = node as? [String: Any], let next = object[key] else { return nil }
            node = next
        }
        return node
    }

    /// `object`, or what its `$ref` names (followed until an object without one).
    func resolveObject(_ object: [String: Any]) -> [String: Any] {
        var current = object
        var hops = 0
        while let reference = current["$ref"] as? String, let next = resolve(reference) as? [String: Any], hops < 16 {
            current = next
            hops += 1
        }
        return current
    }

    func parameters(of operation: Operation) -> [[String: Any]] {
        let all = (operation.pathItem["parameters"] as? [Any] ?? []) + (operation.object["parameters"] as? [Any] ?? [])
        return all.compactMap { ($0 as? [String: Any]).map(resolveObject) }
    }

    /// The path with each parameter replaced by its example, or by what an earlier answer
    /// holds where the parameter names one (`x-aam-example-from: "createKey#/id"`, for ids
    /// the daemon makes up).
    func examplePath(of operation: Operation, answers: [String: Any] = [:]) throws -> String {
        var path = operation.path
        for parameter in parameters(of: operation) where parameter["in"] as? String == "path" {
            let name = try #require(parameter["name"] as? String)
            var example = try #require(parameter["example"] as? String, "\(operation): path parameter \(name) has no example")
            if let source = parameter["x-aam-example-from"] as? String {
                let parts = source.split(separator: "#", maxSplits: 1).map(String.init)
                let member = parts.count == 2 ? parts[1].split(separator: "/").last.map(String.init) : nil
                if let member, let answer = answers[parts[0]] as? [String: Any], let value = answer[member] as? String { example = value }
            }
            path = path.replacingOccurrences(of: "{\(name)}", with: example)
        }
        return path
    }

    /// The JSON request body example; a required body must have one.
    func exampleBody(of operation: Operation) throws -> [UInt8]? {
        guard let requestBody = (operation.object["requestBody"] as? [String: Any]).map(resolveObject) else { return nil }
        let json = ((requestBody["content"] as? [String: Any])?["application/json"] as? [String: Any]).map(resolveObject)
        guard let example = json?["example"] else {
            #expect(requestBody["required"] as? Bool != true, "\(operation): a required body without a JSON example")
            return nil
        }
        return Array(try JSONSerialization.data(withJSONObject: example, options: [.fragmentsAllowed, .sortedKeys]))
    }

    /// Where `value` does not fit `schema`: types, required members, array items, and (for the
    /// objects the daemon answers) members the schema does not name.
    func shapeProblems(_ value: Any, schema rawSchema: Any, at location: String) -> [String] {
        guard let object = rawSchema as? [String: Any] else { return [] }
        let schema = resolveObject(object)
        if let parts = schema["allOf"] as? [Any] {
            // One object schema: the union of the parts' members and required lists.
            var merged: [String: Any] = ["type": "object"]
            var properties: [String: Any] = [:]
            var required: [String] = []
            for part in parts.compactMap({ ($0 as? [String: Any]).map(resolveObject) }) {
                properties.merge(part["properties"] as? [String: Any] ?? [:]) { first, _ in first }
                required += part["required"] as? [String] ?? []
            }
            merged["properties"] = properties
            merged["required"] = required
            return shapeProblems(value, schema: merged, at: location)
        }
        let types: [String] = (schema["type"] as? String).map { [$0] } ?? schema["type"] as? [String] ?? []
        if !types.isEmpty, !types.contains(where: { Self.value(value, is: $0) }) {
            return ["\(location): expected \(types.joined(separator: " or ")), got \(type(of: value))"]
        }
        if value is NSNull { return [] }
        var problems: [String] = []
        if let array = value as? [Any], let items = schema["items"] {
            for (index, element) in array.enumerated() { problems += shapeProblems(element, schema: items, at: "\(location)[\(index)]") }
        }
        if let members = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where members[name] == nil {
                problems.append("\(location): missing required member '\(name)'")
            }
            for (name, member) in members {
                if let property = properties[name] {
                    problems += shapeProblems(member, schema: property, at: "\(location).\(name)")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    problems += shapeProblems(member, schema: additional, at: "\(location).\(name)")
                } else if !properties.isEmpty {
                    problems.append("\(location): undocumented member '\(name)'")
                }
            }
        }
        return problems
    }

    static func value(_ value: Any, is type: String) -> Bool {
        switch type {
        case "null": value is NSNull
        case "string": value is String
        // Foundation's JSON numbers and booleans are both NSNumber: told apart only loosely.
        case "boolean": value is Bool || value is NSNumber
        case "integer": (value as? NSNumber).map { $0.doubleValue.rounded() == $0.doubleValue } ?? false
        case "number": value is NSNumber
        case "array": value is [Any]
        case "object": value is [String: Any]
        default: true
        }
    }
}
