import AAMCore
import AAMSecrets
import AAMServer
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// A real gateway on a loopback port for integration tests: built like `aamd` builds it, with
/// an admin token, and stopped (gracefully) by `stop()`.
final class GatewayHarness: Sendable {
    static let adminToken = "test-admin-token-0123456789"

    let gateway: Gateway
    let task: Task<Void, any Error>
    let baseURL: String
    let masterKey: String
    /// This gateway's control socket ("" when a test turned it off).
    let controlSocketPath: String

    private init(gateway: Gateway, task: Task<Void, any Error>, port: Int, masterKey: String, controlSocketPath: String) {
        self.controlSocketPath = controlSocketPath
        self.gateway = gateway
        self.task = task
        self.baseURL = "http://127.0.0.1:\(port)"
        self.masterKey = masterKey
    }

    static func start(
        database: String = "memory", config: String? = nil, masterKey: String = MasterKey.generateBase64(),
        environment: [String: String] = [:], maxBodyBytes: Int? = nil, adminToken: String? = GatewayHarness.adminToken,
        clientIdleTimeoutSeconds: Double? = nil, clock: (any WallClock)? = nil, healthPolicy: HealthPolicy? = nil,
        configure: (inout DaemonOptions) -> Void = { _ in }
    ) async throws -> GatewayHarness {
        var env = environment
        if let adminToken { env["AAM_ADMIN_TOKEN"] = adminToken }
        // `AAM_UPSTREAM_CLIENT=ahc` runs the suites on AsyncHTTPClient (the default is the SwiftNIO client).
        if env["AAM_UPSTREAM_CLIENT"] == nil, let client = ProcessInfo.processInfo.environment["AAM_UPSTREAM_CLIENT"] { env["AAM_UPSTREAM_CLIENT"] = client }
        var options = DaemonOptions(masterKey: try MasterKey(base64: masterKey), environment: env)
        options.port = 0
        options.database = database
        options.configPath = config
        if let maxBodyBytes { options.dataPlane.maxBodyBytes = maxBodyBytes }
        if let clientIdleTimeoutSeconds { options.dataPlane.clientIdleTimeoutSeconds = clientIdleTimeoutSeconds }
        if let clock { options.clock = clock }
        if let healthPolicy { options.healthPolicy = healthPolicy }
        // Each gateway gets its own control socket (tests run in parallel).
        options.controlSocket = FileManager.default.temporaryDirectory.appendingPathComponent("aam-ctl-\(UUID().uuidString.prefix(12))/control.sock").path
        // Every fake upstream a test starts is on loopback (a test may turn this off again).
        options.allowLoopbackUpstreams = true
        configure(&options)
        var logger = Logger(label: "test-gateway")
        logger.logLevel = .critical
        let gateway = try await Gateway.build(options: options, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await gateway.run(handleSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw HarnessError("gateway ended before listening")
        }
        return GatewayHarness(gateway: gateway, task: task, port: port, masterKey: masterKey, controlSocketPath: options.controlSocket)
    }

    func stop() async {
        await gateway.stop()
        _ = try? await task.value
        if !controlSocketPath.isEmpty {
            // Only once empty: another gateway may share the socket path (and own the file).
            _ = rmdir((controlSocketPath as NSString).deletingLastPathComponent)
        }
    }

    // MARK: HTTP

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }

        func header(_ name: String) -> String? { headers.first(name: name) }

        func json() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], "not a JSON object: \(text)")
        }

        /// `error.message` (OpenAI) or `error.message` inside Anthropic's envelope.
        func errorMessage() throws -> String {
            let error = try #require(try json()["error"] as? [String: Any], "no error object in \(text)")
            return try #require(error["message"] as? String)
        }

        func errorCode() throws -> String? { (try json()["error"] as? [String: Any])?["code"] as? String }
    }

    func send(
        _ method: HTTPMethod = .POST, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(20)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "content-type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let collected = try await response.body.collect(upTo: 32 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(collected.readableBytesView))
    }

    func call(_ path: String, key: String?, json: String, extraHeaders: [(String, String)] = []) async throws -> Reply {
        var headers = extraHeaders
        if let key { headers.append(("authorization", "Bearer \(key)")) }
        return try await send(.POST, path, body: Array(json.utf8), headers: headers)
    }

    func admin(_ method: HTTPMethod, _ path: String, json: String? = nil, token: String? = GatewayHarness.adminToken) async throws -> Reply {
        var headers: [(String, String)] = []
        if let token { headers.append(("authorization", "Bearer \(token)")) }
        return try await send(method, path, body: json.map { Array($0.utf8) }, headers: headers)
    }

    /// Admin call that must succeed; returns the JSON object.
    @discardableResult
    func adminOK(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> [String: Any] {
        let reply = try await admin(method, path, json: json)
        #expect((200..<300).contains(reply.status), "\(method) \(path) -> \(reply.status) \(reply.text)")
        guard reply.status != 204, !reply.bytes.isEmpty else { return [:] }
        return (try? reply.json()) ?? [:]
    }

    // MARK: Setup shortcuts

    func addProvider(_ name: String, protocol wire: String, baseURL: String? = nil, credential: String? = nil, extra: String = "") async throws {
        var fields = [#""name":"\#(name)""#, #""protocol":"\#(wire)""#]
        if let baseURL { fields.append(#""baseURL":"\#(baseURL)""#) }
        if let credential { fields.append(#""credential":"\#(credential)""#) }
        if !extra.isEmpty { fields.append(extra) }
        try await adminOK(.POST, "/admin/providers", json: "{" + fields.joined(separator: ",") + "}")
    }

    func addDeployment(alias: String, provider: String, model: String, weight: Int = 1, id: String? = nil) async throws {
        let idField = id.map { #","id":"\#($0)""# } ?? ""
        try await adminOK(.POST, "/admin/deployments", json: #"{"alias":"\#(alias)","provider":"\#(provider)","upstreamModel":"\#(model)","weight":\#(weight)\#(idField)}"#)
    }

    func issueKey(org: String = "acme", extra: String = "") async throws -> (id: String, secret: String) {
        let body = #"{"orgId":"\#(org)""# + (extra.isEmpty ? "" : "," + extra) + "}"
        let reply = try await adminOK(.POST, "/admin/keys", json: body)
        return (try #require(reply["id"] as? String), try #require(reply["key"] as? String))
    }

    /// Awaits the call record of `requestID` on the event bus (no polling): subscribe first,
    /// then make the request, then call this.
    static func record(_ requestID: String, on subscription: EventBus.Subscription, timeout: Duration = .seconds(10)) async throws -> CallRecord {
        try await withThrowingTaskGroup(of: CallRecord?.self) { group in
            group.addTask {
                for await event in subscription.events {
                    if case .call(let record) = event, record.requestId == requestID { return record }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let record = try await group.next() ?? nil else { throw HarnessError("no call record for \(requestID)") }
            return record
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a started gateway and fake upstream, stopping both afterwards.
func withGateway<T>(
    database: String = "memory", config: String? = nil, environment: [String: String] = [:], maxBodyBytes: Int? = nil,
    _ body: (GatewayHarness) async throws -> T
) async throws -> T {
    let harness = try await GatewayHarness.start(database: database, config: config, environment: environment, maxBodyBytes: maxBodyBytes)
    do {
        let result = try await body(harness)
        await harness.stop()
        return result
    } catch {
        await harness.stop()
        throw error
    }
}

/// Parses an SSE body into (event, data) pairs.
func sseEvents(_ text: String) -> [(event: String?, data: String)] {
    text.components(separatedBy: "\n\n").compactMap { block in
        var event: String?
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
        }
        return data.isEmpty && event == nil ? nil : (event, data.joined(separator: "\n"))
    }
}
