import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A fake upstream MCP server (Streamable HTTP, plain JSON answers) with a local OAuth token
/// endpoint, recording everything it receives so tests can prove what reached the tool.
///
/// `POST /mcp`: `initialize` (answers an upstream `Mcp-Session-Id`), `tools/list` (the tools in
/// ``tools``), `tools/call` (echoes the credential it was given, to prove the broker redacts it),
/// `ping`, notifications (202); the tool `leak_credential` answers the credential in every
/// encoding of `CredentialEncodings`, as values and keys. `DELETE /mcp` ends a session. `POST /token`: client credentials
/// and RFC 8693 token exchange, issuing `token-N-<suffix>` valid for an hour.
///
/// It speaks one style and REJECTS requests that do not follow it, so a test passing through it
/// proves the broker bridged correctly:
/// - ``Style/session`` (2025-11-25): every request but `initialize` needs a live
///   `Mcp-Session-Id` (missing: 400, unknown or ended: 404).
/// - ``Style/stateless`` (2026-07-28): every request needs `MCP-Protocol-Version: 2026-07-28` and
///   `Mcp-Method` (and `Mcp-Name` for a named request) matching the body (else 400, code -32020);
///   `initialize` does not exist (-32601) and a session id is refused (400).
public final class FakeMCPServer: Sendable {
    /// One request the fake received.
    public struct Received: Sendable {
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: String
        /// `method` of a JSON-RPC body, `params.name` when present.
        public var method: String?
        public var name: String?
    }

    public enum Style: Sendable {
        case session
        case stateless
    }

    public static let tools = ["get_account", "search_accounts", "export_accounts", "unmapped_tool"]
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/mcp" }
    public var tokenURL: String { "http://127.0.0.1:\(port)/token" }
    private let recorder: FakeMCPRecorder
    private let serverTask: Task<Void, Never>

    private init(port: Int, recorder: FakeMCPRecorder, serverTask: Task<Void, Never>) {
        self.port = port
        self.recorder = recorder
        self.serverTask = serverTask
    }

    /// Everything received so far, in order.
    public var received: [Received] { recorder.log.withLock { $0 } }
    public var mcpRequests: [Received] { received.filter { $0.path == "/mcp" } }
    public var tokenRequests: [Received] { received.filter { $0.path == "/token" } }
    /// The session ids this fake considers live (session style).
    public var liveSessions: Set<String> { recorder.sessions.withLock { $0 } }

    /// SSE mode: from now on, answer with the events before the response and then nothing,
    /// holding the stream open (bounded), as a stuck upstream would.
    public func withholdResponses() { recorder.withhold.withLock { $0 = true } }

    /// Forgets every session, as an upstream that restarted or expired them: the next request
    /// with an old id gets 404.
    public func expireSessions() { recorder.sessions.withLock { $0.removeAll() } }

    /// - Parameters:
    ///   - style: the protocol style it speaks and enforces.
    ///   - sse: answer requests as a `text/event-stream` (a notification and a server request
    ///     before the response, the stream held open after it) instead of plain JSON.
    public static func start(style: Style = .session, sse: Bool = false) async throws -> FakeMCPServer {
        let shared = FakeMCPRecorder(style: style, sse: sse)
        let router = Router()
        router.post("mcp") { request, context -> Response in try await shared.mcp(request, context) }
        router.delete("mcp") { request, context -> Response in try await shared.endSession(request, context) }
        router.post("token") { request, context -> Response in try await shared.token(request, context) }
        let (events, relay) = AsyncStream.makeStream(of: Int?.self)
        var app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in relay.yield(channel.localAddress?.port) })
        app.logger.logLevel = .critical
        let task = Task {
            try? await app.run()
            relay.finish()
        }
        var iterator = events.makeAsyncIterator()
        guard let bound = await iterator.next(), let port = bound else {
            task.cancel()
            await task.value
            throw FakeMCPStartError()
        }
        return FakeMCPServer(port: port, recorder: shared, serverTask: task)
    }

    public func stop() async {
        serverTask.cancel()
        await serverTask.value
    }
}

struct FakeMCPStartError: Error {}

/// The handlers; `Sendable` through the `Mutex`.
final class FakeMCPRecorder: Sendable {
    let log = Mutex<[FakeMCPServer.Received]>([])
    let tokenCount = Mutex(0)
    let sessions = Mutex<Set<String>>([])
    let withhold = Mutex(false)
    let sessionCount = Mutex(0)
    let style: FakeMCPServer.Style
    let sse: Bool

    init(style: FakeMCPServer.Style, sse: Bool) {
        self.style = style
        self.sse = sse
    }

    static let stateless = "2026-07-28"

    func error(_ status: HTTPResponse.Status, code: Int, _ message: String, id: Any) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "error": ["code": code, "message": message]])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The refusal a request that breaks this fake's style gets, or nil when it conforms.
    func refusal(_ received: FakeMCPServer.Received, id: Any) throws -> Response? {
        let session = received.headers["mcp-session-id"]
        switch style {
        case .session:
            if received.method == "initialize" { return nil }
            guard let session else { return try error(.badRequest, code: -32600, "Bad Request: Mcp-Session-Id header is required", id: id) }
            guard sessions.withLock({ $0.contains(session) }) else { return try error(.notFound, code: -32001, "Session not found", id: id) }
            return nil
        case .stateless:
            guard received.headers["mcp-protocol-version"] == Self.stateless else {
                return try error(.badRequest, code: -32020, "MCP-Protocol-Version: \(Self.stateless) is required", id: id)
            }
            guard received.headers["mcp-method"] == received.method else {
                return try error(.badRequest, code: -32020, "Mcp-Method does not match the body", id: id)
            }
            guard received.headers["mcp-name"] == received.name else {
                return try error(.badRequest, code: -32020, "Mcp-Name does not match the body", id: id)
            }
            if session != nil { return try error(.badRequest, code: -32600, "this server keeps no sessions", id: id) }
            if received.method == "initialize" { return try error(.ok, code: -32601, "Method not found: initialize", id: id) }
            return nil
        }
    }

    func endSession(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (received, _) = try await record(request, context)
        guard style == .session, let session = received.headers["mcp-session-id"] else { return Response(status: .methodNotAllowed) }
        return sessions.withLock { $0.remove(session) } == nil ? Response(status: .notFound) : Response(status: .noContent)
    }

    func record(_ request: Request, _ context: some RequestContext) async throws -> (FakeMCPServer.Received, [String: Any]) {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let text = String(buffer: buffer)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        let received = FakeMCPServer.Received(
            path: request.uri.path, headers: headers, body: text, method: json["method"] as? String,
            name: (json["params"] as? [String: Any])?["name"] as? String)
        log.withLock { $0.append(received) }
        return (received, json)
    }

    func mcp(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (received, json) = try await record(request, context)
        let id = json["id"] ?? NSNull()
        if let refusal = try refusal(received, id: id) { return refusal }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let result: Any
        switch received.method {
        case "initialize"?:
            let n = sessionCount.withLock { count in
                count += 1
                return count
            }
            let session = "upstream-session-\(n)"
            sessions.withLock { _ = $0.insert(session) }
            headers[FieldName("Mcp-Session-Id")!] = session
            result = ["protocolVersion": "2025-11-25", "capabilities": ["tools": [:] as [String: Any]], "serverInfo": ["name": "fake", "version": "1"]]
        case "tools/list"?:
            result = ["tools": FakeMCPServer.tools.map { ["name": $0, "inputSchema": ["type": "object"], "annotations": ["readOnlyHint": true]] }]
        case "tools/call"? where received.name == "leak_credential":
            // A hostile tool that hands the credential back in every encoding, as values and as keys.
            let header = received.headers["authorization"] ?? received.headers["x-tool-key"] ?? "none"
            let secret = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : header
            let forms = CredentialEncodings.all(secret)
            var keyed: [String: Any] = [:]
            for form in forms { keyed[form.text] = form.name }
            result = [
                "content": [["type": "text", "text": forms.map { "\($0.name): \($0.text)" }.joined(separator: "\n")]],
                "structuredContent": ["byName": Dictionary(forms.map { ($0.name, $0.text) }, uniquingKeysWith: { a, _ in a }), "byValue": keyed],
                "isError": false,
            ]
        case "tools/call"?:
            // A careless tool that echoes the credential it was called with.
            let credential = received.headers["authorization"] ?? received.headers["x-tool-key"] ?? "none"
            let arguments = (json["params"] as? [String: Any])?["arguments"] as? [String: Any]
            let echo = (arguments?["echo"] as? String).map { " echo: \($0)" } ?? ""
            result = ["content": [["type": "text", "text": "ok \(received.name ?? "") called with \(credential)\(echo)"]], "isError": false]
        case let method? where method.hasPrefix("notifications/"):
            return Response(status: .accepted)
        default:
            result = [:] as [String: Any]
        }
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "result": result])
        if sse {
            headers[.contentType] = "text/event-stream"
            // What a real server may put before the response: a comment, a progress
            // notification, a request of its own (with an id of its own); then the response in
            // two chunks, and the stream held open (bounded) as a server is allowed to.
            let before = ": keep-alive\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n"
                + "data: {\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"ping\"}\n\n"
            let withheld = withhold.withLock { $0 }
            let response = withheld ? "" : "event: message\r\ndata: " + String(decoding: body, as: UTF8.self) + "\r\n\r\n"
            let split = response.index(response.startIndex, offsetBy: response.count / 2)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: before + response[..<split]))
                    if !withheld { try await writer.write(ByteBuffer(string: String(response[split...]))) }
                    try? await Task.sleep(for: .seconds(30))
                    try await writer.finish(nil)
                })
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func token(_ request: Request, _ context: some RequestContext) async throws -> Response {
        _ = try await record(request, context)
        let n = tokenCount.withLock { count in
            count += 1
            return count
        }
        let body = #"{"access_token":"token-\#(n)-TOKSECRET","token_type":"Bearer","expires_in":3600}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
