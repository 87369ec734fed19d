import AAMCore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /mcp/{server}`: the MCP gateway (Streamable HTTP, plain JSON answers).
///
/// Only an authenticated workload may call. `tools/list` is forwarded and filtered to the tools
/// the catalog maps AND the caller's policy grants; `tools/call` is decided by the policy engine
/// on identity, mapped resource and action, arguments and context, and a denial is a tool result
/// with `isError: true` and the stable reason (the upstream never sees it). Allowed requests go
/// upstream with the catalog's injected credential, never any inbound header; every string of
/// the answer is scrubbed of the injected secrets and passed through the response guardrails.
/// Methods other than initialize, ping, notifications and tools are refused (default deny).
///
/// The client's style and the upstream's (`MCPServerConfig.protocolVersion`) are independent:
/// - session client, session upstream: the client's `initialize` goes upstream; the broker keeps
///   the upstream session id sealed inside its own session id (`MCPSessions`), so any replica
///   continues it; an upstream 404 ends the broker session (404 to the client, which initializes
///   again). An upstream id too long to seal stays with the replica that got it; elsewhere the
///   broker runs its own handshake for that broker session.
/// - session client, stateless upstream: the broker answers `initialize` itself and sends every
///   other request upstream with the stateless headers and no session id.
/// - stateless client, session upstream: the broker runs its own handshake upstream, once per
///   server and workload identity, reuses that session and re-initializes once on a 404.
/// - stateless client, stateless upstream: headers checked against the body, then forwarded.
struct MCPEndpoint: Sendable {
    let runtime: GatewayRuntime
    let sessions: MCPSessions
    let upstreamSessions: MCPUpstreamSessions
    let injector: MCPCredentialInjector

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
        self.sessions = runtime.mcpSessions
        self.upstreamSessions = MCPUpstreamSessions(clock: runtime.clock)
        self.injector = MCPCredentialInjector(vault: runtime.vault, clock: runtime.clock)
    }

    static let sessionHeader = HTTPField.Name("Mcp-Session-Id")!
    static let versionHeader = HTTPField.Name("MCP-Protocol-Version")!
    static let methodHeader = HTTPField.Name("Mcp-Method")!
    static let nameHeader = HTTPField.Name("Mcp-Name")!

    /// Which upstream session a forwarded request rides on (session-style upstreams only).
    enum UpstreamSession {
        /// No session header (the client's own `initialize`).
        case none
        /// The session-style client's broker session (opened from its id, on any replica) and
        /// the upstream session sealed inside it.
        case client(MCPSessions.Session)
        /// The broker's own session for a stateless client.
        case broker
    }

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
                // An SVID refusal names its rule (never the token or certificate bytes).
                let reason = error.code == .invalidSVID ? " (\(error.message))" : ""
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required\(reason)")
            }
            guard let workload = caller.workload else {
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required")
            }
            let body: [UInt8]
            do { body = try await BodyReader.read(request, limit: 4 << 20) } catch {
                throw MCPError(status: 413, code: -32600, message: "Invalid Request: body too large or unreadable")
            }
            let message: MCPRequest
            do { message = try MCPRequest(body: body) } catch {
                await recordRefusal(error, serverName: serverName, caller: caller, requestID: context.requestID)
                throw error
            }
            id = message.id
            guard let server = caller.snapshot.state.mcpServers[serverName] else {
                throw MCPError(status: 404, code: -32601, message: "No MCP server '\(serverName)' in the catalog", id: id)
            }
            let statelessClient = request.headers[Self.versionHeader] == MCPProtocol.statelessVersion
            let statelessUpstream = server.protocolVersion == MCPProtocol.statelessVersion
            var route = UpstreamSession.broker
            if statelessClient {
                try message.checkHeaders(method: request.headers[Self.methodHeader], name: request.headers[Self.nameHeader])
            } else if message.method == "initialize" {
                route = .none
            } else {
                guard let sessionID = request.headers[Self.sessionHeader] else {
                    throw MCPError(status: 400, code: -32600, message: "Mcp-Session-Id header is required (send initialize first)", id: id)
                }
                guard let session = sessions.find(sessionID, spiffeId: workload.spiffeID.description, server: server.name) else {
                    throw MCPError(status: 404, code: -32001, message: "Session not found", id: id)
                }
                route = .client(session)
            }
            switch message.method {
            case "initialize":
                var headers = HTTPFields()
                var answer: JSONValue
                var upstreamSession: String?
                if !statelessClient && !statelessUpstream {
                    (answer, upstreamSession) = try await forward(body, message, to: server, workload: workload, route: .none)
                } else {
                    // No upstream handshake to relay: a stateless upstream has none, and for a
                    // stateless client the broker runs its own when the first request needs it.
                    answer = Self.localInitialize(id: id, server: server.name, stateless: statelessClient)
                }
                if !statelessClient {
                    // The version the client was answered with (the upstream's, when relayed).
                    var version = MCPProtocol.sessionVersion
                    if case .object(let fields) = answer, case .object(let result)? = fields["result"], case .string(let negotiated)? = result["protocolVersion"] {
                        version = negotiated
                    }
                    guard
                        let opened = sessions.open(
                            spiffeId: workload.spiffeID.description, server: server.name, protocolVersion: version, upstreamSessionId: upstreamSession)
                    else { throw MCPError(status: 500, code: -32603, message: "Internal error: the session could not be sealed", id: id) }
                    if opened.session.upstreamHeldLocally {
                        upstreamSessions.seed(upstreamKey(server, workload: workload, clientSession: opened.session.nonce), id: upstreamSession)
                    }
                    headers[Self.sessionHeader] = opened.id
                }
                return Responses.json(MCPResponse.encode(answer), headers: headers)
            case "ping", "tools/list":
                var (answer, _) = try await forward(body, message, to: server, workload: workload, route: route)
                if message.method == "tools/list" {
                    let granted = grantedTools(server, workload: workload)
                    answer = MCPResponse.filterToolList(answer) { granted.contains($0) }
                }
                return Responses.json(MCPResponse.encode(answer))
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
                    (reply, _) = try await forward(body, message, to: server, workload: workload, route: route)
                } catch {
                    trace.finish(status: 502, outcome: .upstreamError, errorClass: .mcpUpstreamFailed, bus: runtime.bus)
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
                    // `initialized` belongs to a handshake: relayed only when the client's own went upstream.
                    let relayed = message.method != "notifications/initialized" || (!statelessClient && !statelessUpstream)
                    if relayed { _ = try? await forward(body, message, to: server, workload: workload, route: route) }
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

    /// An authenticated workload's request refused before any decision (not JSON, not JSON-RPC,
    /// a key held twice): a call record with outcome `rejected`, so an attempt to smuggle a
    /// second reading past the policy leaves evidence. The server name is recorded only when
    /// the catalog has it (the path is the caller's text).
    func recordRefusal(_ error: MCPError, serverName: String, caller: AuthenticatedCaller, requestID: String) async {
        let known = caller.snapshot.state.mcpServers[serverName] != nil
        let trace = CallTrace(requestID: requestID, endpoint: known ? "/mcp/\(serverName)" : "/mcp", startedAt: runtime.clock.now())
        trace.evidence = runtime.evidence
        trace.identify(caller.key)
        if known { trace.record.provider = "mcp:\(serverName)" }
        let errorClass: ErrorCode = error.duplicateKey != nil ? .duplicateJSONKey : (error.code == -32700 ? .invalidJSON : .invalidRequest)
        trace.finish(status: error.status, outcome: .rejected, errorClass: errorClass, bus: runtime.bus)
        _ = await trace.makeDurable()
    }

    /// The broker's own `initialize` result (the upstream's handshake is not relayed).
    static func localInitialize(id: JSONValue?, server: String, stateless: Bool) -> JSONValue {
        .object([
            "jsonrpc": .string("2.0"), "id": id ?? .null,
            "result": .object([
                "protocolVersion": .string(stateless ? MCPProtocol.statelessVersion : MCPProtocol.sessionVersion),
                "capabilities": .object(["tools": .object(["listChanged": .bool(false)])]),
                "serverInfo": .object(["name": .string("aam/\(server)"), "version": .string("1")]),
            ]),
        ])
    }

    /// `DELETE /mcp/{server}`: the workload ends its session (2025-11-25 style); the upstream
    /// session inside it is ended too (best effort).
    func endSession(_ request: Request, context: GatewayContext) async -> Response {
        var response: Response
        do {
            let caller = try? await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: false)
            guard let caller, let workload = caller.workload else {
                throw MCPError(status: 401, code: -32001, message: "Unauthorized: a workload identity (JWT-SVID or X.509-SVID) is required")
            }
            let serverName = context.parameters.get("server") ?? ""
            guard let id = request.headers[Self.sessionHeader] else {
                throw MCPError(status: 400, code: -32600, message: "Mcp-Session-Id header is required")
            }
            guard let session = sessions.find(id, spiffeId: workload.spiffeID.description, server: serverName) else {
                throw MCPError(status: 404, code: -32001, message: "Session not found")
            }
            // Refused on this replica from now on, and on the others once `MCPCloseRelay` has
            // told them (a replica cut off from Postgres then learns it from a session-style
            // upstream's 404 once the upstream session below is gone, or at the id's expiry).
            sessions.close(session)
            if let server = caller.snapshot.state.mcpServers[serverName], server.protocolVersion != MCPProtocol.statelessVersion {
                var upstream = session.upstreamSessionId
                if session.upstreamHeldLocally {
                    upstream = await upstreamSessions.end(upstreamKey(server, workload: workload, clientSession: session.nonce))
                }
                if let upstream, let credential = try? await injector.header(for: server, workload: workload) {
                    await MCPUpstream.delete(server: server, credential: credential, session: upstream)
                }
            }
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

    /// Sends the body upstream with the injected credential on the route's upstream session;
    /// returns the scrubbed JSON-RPC answer and the upstream session id it announced.
    func forward(
        _ body: [UInt8], _ message: MCPRequest, to server: MCPServerConfig, workload: WorkloadIdentity, route: UpstreamSession
    ) async throws(MCPError) -> (JSONValue, String?) {
        let credential = try await injector.header(for: server, workload: workload)
        func post(_ session: String?) async throws(MCPError) -> MCPUpstream.Reply {
            try await MCPUpstream.post(body, method: message.method, name: message.name, id: message.id, server: server, credential: credential, session: session)
        }
        let reply: MCPUpstream.Reply
        switch route {
        case _ where server.protocolVersion == MCPProtocol.statelessVersion:
            reply = try await post(nil)
        case .none:
            reply = try await post(nil)
        case .client(let session) where session.upstreamHeldLocally:
            // The upstream id did not fit in the broker's id: this replica's own upstream session
            // for this broker session (the client's handshake here, a fresh one elsewhere).
            reply = try await leased(upstreamKey(server, workload: workload, clientSession: session.nonce), server: server, credential: credential, post: post)
        case .client(let session):
            // Sealed in the id, so any replica sends it: the upstream session is the client's own.
            reply = try await post(session.upstreamSessionId)
            if reply.status == 404, session.upstreamSessionId != nil {
                // The upstream forgot the session: so does the broker, and the client starts over.
                sessions.close(session)
                throw MCPError(status: 404, code: -32001, message: "Session not found (the upstream session ended; initialize again)", id: message.id)
            }
        case .broker:
            reply = try await leased(upstreamKey(server, workload: workload), server: server, credential: credential, post: post)
        }
        if message.id == nil { return (.null, reply.sessionID) }
        guard (200..<300).contains(reply.status), let payload = reply.payload, case .object = payload else {
            throw MCPError(
                status: 502, code: -32603, message: "MCP server '\(server.name)' answered HTTP \(reply.status) without a JSON-RPC response", id: message.id)
        }
        return (scrub(payload, secrets: credential.secrets, workload: workload), reply.sessionID)
    }

    /// The broker's own upstream sessions: per server, URL, credential and identity (and broker
    /// session, for a client whose upstream id is held locally).
    func upstreamKey(_ server: MCPServerConfig, workload: WorkloadIdentity, clientSession: String? = nil) -> MCPUpstreamSessions.Key {
        MCPUpstreamSessions.Key(
            server: server.name, url: server.url, credential: server.credential?.fingerprint, spiffeId: workload.spiffeID.description,
            clientSession: clientSession)
    }

    /// Posts on the leased upstream session of `key`, running the broker's handshake when this
    /// replica has none; on a 404 one fresh handshake and one retry (a 404 means nothing ran).
    private func leased(
        _ key: MCPUpstreamSessions.Key, server: MCPServerConfig, credential: MCPCredentialInjector.Header,
        post: (String?) async throws(MCPError) -> MCPUpstream.Reply
    ) async throws(MCPError) -> MCPUpstream.Reply {
        let handshake: @Sendable () async -> Result<String?, MCPError> = { await MCPUpstream.initialize(server: server, credential: credential) }
        let lease = try await upstreamSessions.lease(key, handshake: handshake)
        let first = try await post(lease.id)
        guard first.status == 404, lease.id != nil else { return first }
        upstreamSessions.invalidate(key, lease)
        return try await post(try await upstreamSessions.lease(key, handshake: handshake).id)
    }
}
