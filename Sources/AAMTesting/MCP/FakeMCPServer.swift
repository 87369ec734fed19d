import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A fake upstream MCP server (Streamable HTTP, plain JSON answers) with a local OAuth token
/// endpoint, recording everything it receives so tests can prove what reached the tool.
///
/// `POST /mcp`: `initialize` (answers an upstream `Mcp-Session-Id`), `tools/list` (the tools in
/// ``tools``), `tools/call` (echoes the credential it was given, to prove the broker redacts it),
/// `ping`, notifications (202). `POST /token`: client credentials and RFC 8693 token exchange,
/// issuing `token-N-<suffix>` valid for an hour.
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

    /// - Parameter sse: answer requests as a one-event `text/event-stream` instead of plain JSON.
    public static func start(sse: Bool = false) async throws -> FakeMCPServer {
        let shared = FakeMCPRecorder(sse: sse)
        let router = Router()
        router.post("mcp") { request, context -> Response in try await shared.mcp(request, context) }
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
    let sse: Bool

    init(sse: Bool) { self.sse = sse }

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
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let result: Any
        switch received.method {
        case "initialize"?:
            headers[FieldName("Mcp-Session-Id")!] = "upstream-session-1"
            result = ["protocolVersion": "2025-11-25", "capabilities": ["tools": [:] as [String: Any]], "serverInfo": ["name": "fake", "version": "1"]]
        case "tools/list"?:
            result = ["tools": FakeMCPServer.tools.map { ["name": $0, "inputSchema": ["type": "object"], "annotations": ["readOnlyHint": true]] }]
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
            let event = ": keep-alive\n\nevent: message\ndata: " + String(decoding: body, as: UTF8.self) + "\n\n"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: event)))
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
