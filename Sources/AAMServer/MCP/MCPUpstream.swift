import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// HTTP exchanges with an upstream MCP server in its own style: the stateless headers
/// (`MCP-Protocol-Version: 2026-07-28`, `Mcp-Method`, `Mcp-Name`) or the session id, the injected
/// credential and nothing the agent sent in its headers. Answers are read bounded in size and
/// time; an SSE answer is read only until the response to the request arrives.
enum MCPUpstream {
    struct Reply: Sendable {
        var status: UInt
        var sessionID: String?
        /// The JSON-RPC response (nil for a notification or an answer without one).
        var payload: JSONValue?
    }

    static let responseLimit = 8 << 20
    /// The whole exchange, head and body: an SSE stream that never delivers the response ends here.
    static let timeout: Duration = .seconds(60)

    /// POSTs one JSON-RPC message (`body`, whose method, name and id are given).
    static func post(
        _ body: [UInt8], method: String, name: String?, id: JSONValue?, server: MCPServerConfig, credential: MCPCredentialInjector.Header,
        session: String?, timeout: Duration = MCPUpstream.timeout
    ) async throws(MCPError) -> Reply {
        var request = HTTPClientRequest(url: server.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "MCP-Protocol-Version", value: server.protocolVersion)
        if server.protocolVersion == MCPProtocol.statelessVersion {
            request.headers.add(name: "Mcp-Method", value: method)
            if let name { request.headers.add(name: "Mcp-Name", value: name) }
        } else if let session {
            request.headers.add(name: "Mcp-Session-Id", value: session)
        }
        request.headers.replaceOrAdd(name: credential.name, value: credential.value)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let prepared = request
            guard let reply = try await withDeadline(timeout, { try await exchange(prepared, id: id) }) else {
                throw MCPError(status: 504, code: -32603, message: "did not answer within \(timeout)")
            }
            return reply
        } catch let error as MCPError {
            throw MCPError(status: error.status, code: error.code, message: "MCP server '\(server.name)' \(error.message)", id: id)
        } catch {
            throw MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' is unreachable", id: id)
        }
    }

    /// The broker's own handshake with a session-style upstream: `initialize`, then
    /// `notifications/initialized` in the new session. Returns the upstream session id (nil if
    /// the upstream keeps no sessions).
    static func initialize(server: MCPServerConfig, credential: MCPCredentialInjector.Header) async -> Result<String?, MCPError> {
        let id = JSONValue.string("aam-initialize")
        let params: JSONValue = .object([
            "protocolVersion": .string(server.protocolVersion), "capabilities": .object([:]),
            "clientInfo": .object(["name": .string("aam-broker"), "version": .string("1")]),
        ])
        let body = MCPResponse.encode(.object(["jsonrpc": .string("2.0"), "id": id, "method": .string("initialize"), "params": params]))
        do {
            let reply = try await post(body, method: "initialize", name: nil, id: id, server: server, credential: credential, session: nil)
            guard (200..<300).contains(reply.status), case .object(let answer)? = reply.payload, answer["result"] != nil else {
                return .failure(MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' refused the broker's initialize (HTTP \(reply.status))"))
            }
            let initialized = MCPResponse.encode(.object(["jsonrpc": .string("2.0"), "method": .string("notifications/initialized")]))
            let ack = try await post(
                initialized, method: "notifications/initialized", name: nil, id: nil, server: server, credential: credential, session: reply.sessionID)
            guard (200..<300).contains(ack.status) else {
                return .failure(MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' refused notifications/initialized (HTTP \(ack.status))"))
            }
            return .success(reply.sessionID)
        } catch {
            return .failure(error)
        }
    }

    /// Ends an upstream session (`DELETE` with its id); best effort: the upstream may answer 405.
    static func delete(server: MCPServerConfig, credential: MCPCredentialInjector.Header, session: String) async {
        var request = HTTPClientRequest(url: server.url)
        request.method = .DELETE
        request.headers.add(name: "MCP-Protocol-Version", value: server.protocolVersion)
        request.headers.add(name: "Mcp-Session-Id", value: session)
        request.headers.replaceOrAdd(name: credential.name, value: credential.value)
        let prepared = request
        _ = try? await withDeadline(.seconds(10)) {
            let response = try await OutboundHTTP.shared.execute(prepared, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 16)
        }
    }

    private static func exchange(_ request: HTTPClientRequest, id: JSONValue?) async throws -> Reply {
        let response = try await OutboundHTTP.shared.execute(request, timeout: .seconds(30))
        do { try OutboundHTTP.refuseRedirect(response.status.code) } catch {
            throw MCPError(status: 502, code: -32603, message: error.message)
        }
        var reply = Reply(status: response.status.code, sessionID: response.headers.first(name: "mcp-session-id"))
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        guard id != nil, (200..<300).contains(reply.status) else {
            _ = try await response.body.collect(upTo: 1 << 16)
            return reply
        }
        if contentType.hasPrefix("text/event-stream") {
            var stream = MCPEventStream(requestID: id)
            var size = 0
            for try await chunk in response.body {
                size += chunk.readableBytes
                guard size <= responseLimit else { throw MCPError(status: 502, code: -32603, message: "answered more than \(responseLimit) bytes") }
                if let message = stream.feed(chunk.readableBytesView) {
                    // Stops reading here: the upstream may keep the stream open after the response.
                    reply.payload = message
                    return reply
                }
            }
            reply.payload = stream.finish()
            return reply
        }
        let bytes = try await response.body.collect(upTo: responseLimit)
        reply.payload = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
        return reply
    }
}
