import AAMCore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /mcp/{server}`: the MCP gateway (Streamable HTTP, plain JSON answers).
///
/// Only an authenticated workload may call. `tools/list` is forwarded and filtered to the tools
/// the catalog maps AND the caller's policy grants; `tools/call` is decided by the policy engine
/// on identity, mapped resource and action, arguments and context, and a denial is a tool result
/// with `isError: true` and the stable reason (the upstream never sees it). Allowed requests go
/// upstream with the catalog's injected credential, never any inbound header; every string of
/// the answer is scrubbed of the injected secrets and passed through the response guardrails.
/// Methods other than initialize, ping, notifications and tools are refused (default deny).
struct MCPEndpoint: Sendable {
    let runtime: GatewayRuntime
    let sessions = MCPSessions()
    let injector: MCPCredentialInjector

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
        self.injector = MCPCredentialInjector(vault: runtime.vault, clock: runtime.clock)
    }

    static let sessionHeader = HTTPField.Name("Mcp-Session-Id")!
    static let versionHeader = HTTPField.Name("MCP-Protocol-Version")!
    static let methodHeader = HTTPField.Name("Mcp-Method")!
    static let nameHeader = HTTPField.Name("Mcp-Name")!

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        var response = await respond(request, context: context)
        // Correlates the answer with the `.policyDecision` event (and SIEM record) it produced.
        response.headers[Responses.requestIDField] = context.requestID
        return response
    }

    private func respond(_ request: Request, context: GatewayContext) async -> Response {
        var id: JSONValue?
        do {
            let serverName = context.parameters.get("server") ?? ""
            let caller: AuthenticatedCaller
            do { caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: false) } catch {
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required")
            }
            guard let workload = caller.workload else {
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required")
            }
            let body: [UInt8]
            do { body = try await BodyReader.read(request, limit: 4 << 20) } catch {
                throw MCPError(status: 413, code: -32600, message: "Invalid Request: body too large or unreadable")
            }
            let message = try MCPRequest(body: body)
            id = message.id
            guard let server = caller.snapshot.state.mcpServers[serverName] else {
                throw MCPError(status: 404, code: -32601, message: "No MCP server '\(serverName)' in the catalog", id: id)
            }
            var responseHeaders = HTTPFields()
            var upstreamSession: String?
            if request.headers[Self.versionHeader] == MCPProtocol.statelessVersion {
                try message.checkHeaders(method: request.headers[Self.methodHeader], name: request.headers[Self.nameHeader])
            } else if message.method != "initialize" {
                guard let sessionID = request.headers[Self.sessionHeader] else {
                    throw MCPError(status: 400, code: -32600, message: "Mcp-Session-Id header is required (send initialize first)", id: id)
                }
                guard let session = sessions.find(sessionID, spiffeId: workload.spiffeID.description, server: server.name) else {
                    throw MCPError(status: 404, code: -32001, message: "Session not found", id: id)
                }
                upstreamSession = session.upstreamSessionId
            }
            switch message.method {
            case "initialize", "ping", "tools/list":
                let (reply, upstreamHeaders) = try await forward(body, message, to: server, workload: workload, upstreamSession: upstreamSession)
                var answer = reply
                if message.method == "tools/list" {
                    let granted = grantedTools(server, workload: workload)
                    answer = MCPResponse.filterToolList(reply) { granted.contains($0) }
                }
                if message.method == "initialize", request.headers[Self.versionHeader] != MCPProtocol.statelessVersion {
                    let session = MCPSessions.Session(spiffeId: workload.spiffeID.description, server: server.name, upstreamSessionId: upstreamHeaders)
                    responseHeaders[Self.sessionHeader] = sessions.open(session)
                }
                return Responses.json(MCPResponse.encode(answer), headers: responseHeaders)
            case "tools/call":
                // Every tool decision is a call record too (endpoint `/mcp/SERVER`, provider
                // `mcp:SERVER`, the tool as the model), charged to the workload's scope.
                let trace = CallTrace(requestID: context.requestID, endpoint: "/mcp/\(server.name)", startedAt: runtime.clock.now())
                trace.evidence = runtime.evidence
                trace.identify(caller.key)
                trace.record.provider = "mcp:\(server.name)"
                trace.record.upstreamModel = message.name
                if let denial = authorize(message, server: server, workload: workload, requestID: context.requestID, trace: trace) {
                    trace.finish(status: 403, outcome: .rejected, bus: runtime.bus)
                    _ = await trace.makeDurable()
                    return Responses.json(denial)
                }
                let reply: JSONValue
                do {
                    (reply, _) = try await forward(body, message, to: server, workload: workload, upstreamSession: upstreamSession)
                } catch {
                    trace.finish(status: 502, outcome: .upstreamError, errorClass: "mcp_upstream_failed", bus: runtime.bus)
                    _ = await trace.makeDurable()
                    throw error
                }
                trace.finish(status: 200, outcome: .success, bus: runtime.bus)
                guard await trace.makeDurable() else {
                    throw MCPError(status: 503, code: -32603, message: GatewayError.evidenceUnavailable.message, id: id)
                }
                return Responses.json(MCPResponse.encode(reply))
            default:
                if message.method.hasPrefix("notifications/") {
                    _ = try? await forward(body, message, to: server, workload: workload, upstreamSession: upstreamSession)
                    return Response(status: .accepted)
                }
                throw MCPError(status: 200, code: -32601, message: "Method not found: the broker forwards only initialize, ping, notifications and tools", id: id)
            }
        } catch let error as MCPError {
            var error = error
            if error.id == nil { error.id = id }
            return Responses.json(error.body, status: HTTPResponse.Status(code: error.status))
        } catch {
            return Responses.json(MCPError(status: 500, code: -32603, message: "Internal error", id: id).body, status: .internalServerError)
        }
    }

    /// `DELETE /mcp/{server}`: the workload ends its session (2025-11-25 style).
    func endSession(_ request: Request, context: GatewayContext) async -> Response {
        var response: Response
        do {
            let caller = try? await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: false)
            guard let workload = caller?.workload else {
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required")
            }
            guard let id = request.headers[Self.sessionHeader],
                sessions.find(id, spiffeId: workload.spiffeID.description, server: context.parameters.get("server") ?? "") != nil
            else { throw MCPError(status: 404, code: -32001, message: "Session not found") }
            sessions.close(id)
            response = Response(status: .noContent)
        } catch let error as MCPError {
            response = Responses.json(error.body, status: HTTPResponse.Status(code: error.status))
        } catch {
            response = Responses.json(MCPError(status: 500, code: -32603, message: "Internal error").body, status: .internalServerError)
        }
        response.headers[Responses.requestIDField] = context.requestID
        return response
    }

    /// `GET /mcp/{server}`: the broker offers no server-initiated SSE stream (405, as the spec allows).
    static func noStream(_ context: GatewayContext) -> Response {
        var headers = HTTPFields()
        headers[.allow] = "POST, DELETE"
        headers[Responses.requestIDField] = context.requestID
        return Responses.json(
            MCPError(status: 405, code: -32601, message: "This endpoint offers no server-initiated stream; use POST").body,
            status: .methodNotAllowed, headers: headers)
    }

    /// The mapped tools the caller's policy grants (some action allowed; an argument constraint
    /// is judged per call, so a constrained grant still lists the tool).
    func grantedTools(_ server: MCPServerConfig, workload: WorkloadIdentity) -> Set<String> {
        let engine = runtime.policies.engine
        let context = DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment)
        var granted = Set<String>()
        for mapping in server.tools.values {
            let decision = engine.decide(DecisionRequest(
                identity: workload.spiffeID, action: .toolCall(resource: mapping.resource, action: mapping.action, arguments: nil), context: context))
            if decision.isAllowed || decision.verdict.reason.hasPrefix(DecisionReason.constraintFailedPrefix) { granted.insert(mapping.tool) }
        }
        return granted
    }

    /// Decides a tool call; publishes the decision. Returns the denial to answer, or nil to forward.
    func authorize(_ message: MCPRequest, server: MCPServerConfig, workload: WorkloadIdentity, requestID: String, trace: CallTrace) -> [UInt8]? {
        guard let tool = message.name, let mapping = server.tools[tool] else {
            trace.record.errorClass = "tool_not_mapped"
            return MCPResponse.denied(id: message.id, reason: "tool_not_mapped", rule: "catalog", policy: nil, version: nil)
        }
        // A mapping that names the resource instance by an argument path refuses a call without it.
        if let path = mapping.resourceIdFrom, MCPResponse.value(at: path, in: message.arguments) == nil {
            trace.record.errorClass = "resource_id_missing"
            return MCPResponse.denied(id: message.id, reason: "resource_id_missing:\(path)", rule: "catalog", policy: nil, version: nil)
        }
        let request = DecisionRequest(
            identity: workload.spiffeID, action: .toolCall(resource: mapping.resource, action: mapping.action, arguments: message.arguments),
            context: DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment))
        let decision = runtime.policies.engine.decide(request)
        let evidence = PolicyEvidence(decision, for: request)
        trace.record.policy = evidence
        runtime.bus.publish(.policyDecision(requestId: requestID, evidence: evidence))
        guard !decision.isAllowed else { return nil }
        trace.record.errorClass = decision.verdict.reason
        return MCPResponse.denied(
            id: message.id, reason: decision.verdict.reason, rule: decision.verdict.rule, policy: decision.verdict.policy, version: decision.verdict.version)
    }

    /// Sends the body upstream with the injected credential (and only the MCP headers the
    /// upstream's style needs); returns the scrubbed JSON-RPC answer and the upstream session id.
    func forward(
        _ body: [UInt8], _ message: MCPRequest, to server: MCPServerConfig, workload: WorkloadIdentity, upstreamSession: String?
    ) async throws(MCPError) -> (JSONValue, String?) {
        let credential = try await injector.header(for: server, workload: workload)
        var request = HTTPClientRequest(url: server.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "MCP-Protocol-Version", value: server.protocolVersion)
        if server.protocolVersion == MCPProtocol.statelessVersion {
            request.headers.add(name: "Mcp-Method", value: message.method)
            if let name = message.name { request.headers.add(name: "Mcp-Name", value: name) }
        } else if let upstreamSession {
            request.headers.add(name: "Mcp-Session-Id", value: upstreamSession)
        }
        request.headers.replaceOrAdd(name: credential.name, value: credential.value)
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt, contentType: String?, sessionID: String?, bytes: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            status = response.status.code
            contentType = response.headers.first(name: "content-type")
            sessionID = response.headers.first(name: "mcp-session-id")
            bytes = try await response.body.collect(upTo: 8 << 20)
        } catch {
            throw MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' is unreachable", id: message.id)
        }
        if message.id == nil { return (.null, sessionID) }
        guard (200..<300).contains(status), let payload = Self.payload(Array(buffer: bytes), contentType: contentType),
            case .object? = Optional(payload)
        else { throw MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' answered HTTP \(status) without a JSON-RPC message", id: message.id) }
        return (scrub(payload, secrets: credential.secrets, workload: workload), sessionID)
    }

    /// Redacts the injected secrets anywhere in the answer, then applies the response guardrails
    /// of the workload's scope chain (e.g. a detected API key echoed by the tool).
    func scrub(_ value: JSONValue, secrets: [String], workload: WorkloadIdentity) -> JSONValue {
        let engine = runtime.guardrails.engine(for: WorkloadTrust.governingKey(for: workload), in: runtime.snapshots.snapshot)
        let active = engine.map { $0.isActive(.response) } ?? false
        return MCPResponse.mapStrings(value) { text in
            var text = text
            for secret in secrets where !secret.isEmpty && text.contains(secret) {
                text = text.replacingOccurrences(of: secret, with: "[REDACTED]")
            }
            if active, let engine {
                let inspection = engine.inspect(text, direction: .response, location: "mcp.result")
                text = inspection.block == nil ? inspection.text : "[BLOCKED by guardrail \(inspection.block!.detector)]"
            }
            return text
        }
    }

    /// The JSON-RPC message of a plain JSON answer, or the last one of an SSE answer.
    static func payload(_ bytes: [UInt8], contentType: String?) -> JSONValue? {
        if contentType?.lowercased().hasPrefix("text/event-stream") == true {
            let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            for line in lines.reversed() where line.hasPrefix("data:") {
                if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.dropFirst(5).utf8)), case .object = value { return value }
            }
            return nil
        }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
