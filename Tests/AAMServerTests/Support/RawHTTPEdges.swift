import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

// Byte-level HTTP/1.1 on both sides of the gateway, for the edges real HTTP clients and
// `FakeUpstream` never produce (pipelining, `Expect`, hand-made chunks, half-closed sockets,
// a vendor that answers garbage or hangs up). Both are SwiftNIO: no blocking call runs on the
// cooperative pool that also serves the in-process gateway.

/// One response parsed from the raw bytes a `RawHTTPConnection` received.
struct RawHTTPResponse: Sendable {
    var status: Int
    /// Names lowercased.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// As the harness's reply, so its error-shape assertions apply.
    var reply: GatewayHarness.Reply {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        return GatewayHarness.Reply(status: status, headers: fields, bytes: body)
    }

    /// Parses every complete response at the front of `bytes`; returns them and how many bytes
    /// they used. `closed` says the peer closed, which ends a body without a length.
    static func parse(_ bytes: [UInt8], closed: Bool) -> (responses: [RawHTTPResponse], used: Int) {
        var responses: [RawHTTPResponse] = []
        var offset = 0
        while let (response, length) = parseOne(bytes[offset...], closed: closed) {
            responses.append(response)
            offset += length
        }
        return (responses, offset)
    }

    private static func parseOne(_ bytes: ArraySlice<UInt8>, closed: Bool) -> (RawHTTPResponse, Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = firstRange(of: separator, in: bytes) else { return nil }
        let headText = String(decoding: bytes[bytes.startIndex..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawHTTPResponse(status: status, headers: headers, body: [])
        let bodyStart = headEnd + separator.count
        if (100..<200).contains(status) || status == 204 || status == 304 {
            return (response, bodyStart - bytes.startIndex)
        }
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            var cursor = bodyStart
            while true {
                guard let lineEnd = firstRange(of: Array("\r\n".utf8), in: bytes[cursor...]) else { return nil }
                let sizeText = String(decoding: bytes[cursor..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
                let dataStart = lineEnd + 2
                if size == 0 {
                    // No trailers from the gateway: the last chunk is followed by one empty line.
                    guard bytes.endIndex >= dataStart + 2 else { return nil }
                    return (response, dataStart + 2 - bytes.startIndex)
                }
                guard bytes.endIndex >= dataStart + size + 2 else { return nil }
                response.body.append(contentsOf: bytes[dataStart..<(dataStart + size)])
                cursor = dataStart + size + 2
            }
        }
        if let length = response.header("content-length").flatMap(Int.init) {
            guard bytes.endIndex >= bodyStart + length else { return nil }
            response.body = Array(bytes[bodyStart..<(bodyStart + length)])
            return (response, bodyStart + length - bytes.startIndex)
        }
        guard closed else { return nil }
        response.body = Array(bytes[bodyStart...])
        return (response, bytes.endIndex - bytes.startIndex)
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// A raw TCP client on loopback: writes exactly the bytes it is given, collects what comes back,
/// and can half-close its side. Reads and waits are event-driven (no polling, no blocking).
final class RawHTTPConnection: Sendable {
    private final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        struct State {
            var bytes: [UInt8] = []
            var closed = false
            var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
            var nextWaiter: UInt64 = 0
            var cancelled: Set<UInt64> = []
        }
        let state = Mutex(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            let waiters = state.withLock { state in
                state.bytes.append(contentsOf: buffer.readableBytesView)
                defer { state.waiters = [:] }
                return state.waiters.values
            }
            for waiter in waiters { waiter.resume() }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            // The peer closed its side (remote half-closure is on): nothing more will come.
            if let event = event as? ChannelEvent, event == .inputClosed { markClosed() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            markClosed()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            markClosed()
            context.close(promise: nil)
        }

        private func markClosed() {
            let waiters = state.withLock { state in
                state.closed = true
                defer { state.waiters = [:] }
                return state.waiters.values
            }
            for waiter in waiters { waiter.resume() }
        }

        /// Suspends until something arrives, the peer closes (at once if already so), or the
        /// calling task is cancelled.
        func changed(since count: Int) async {
            let id = state.withLock { state in
                state.nextWaiter += 1
                return state.nextWaiter
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state in
                        if state.bytes.count != count || state.closed || state.cancelled.remove(id) != nil { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                    state.cancelled.insert(id)
                    return nil
                }
                waiter?.resume()
            }
        }
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(port: Int) async throws -> RawHTTPConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawHTTPConnection(channel: channel, inbox: inbox)
    }

    /// Writes `bytes` in one write (one TCP segment on loopback, for pipelining).
    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// `shutdown(SHUT_WR)`: the server reads end of input; this side can still read.
    func shutdownOutput() async throws {
        try await channel.close(mode: .output).get()
    }

    func close() async {
        try? await channel.close().get()
    }

    var received: [UInt8] { inbox.state.withLock { $0.bytes } }
    var closedByPeer: Bool { inbox.state.withLock { $0.closed } }

    /// Waits until `count` complete responses arrived (or the peer closed, or `timeout`
    /// passed) and returns those that did.
    func responses(_ count: Int, timeout: Duration = .seconds(60)) async -> [RawHTTPResponse] {
        await waitUntil(timeout: timeout) { bytes, closed in RawHTTPResponse.parse(bytes, closed: closed).responses.count >= count }
        let (bytes, closed) = inbox.state.withLock { ($0.bytes, $0.closed) }
        return RawHTTPResponse.parse(bytes, closed: closed).responses
    }

    /// Waits until the peer closes the connection; false when `timeout` passed first.
    func waitForPeerClose(timeout: Duration) async -> Bool {
        await waitUntil(timeout: timeout) { _, closed in closed }
        return closedByPeer
    }

    /// Waits for any byte at all for `window` (for an optional interim response such as `100
    /// Continue`, whose absence can only be observed as silence).
    func bytesWithin(_ window: Duration) async -> [UInt8] {
        await waitUntil(timeout: window) { bytes, closed in !bytes.isEmpty || closed }
        return received
    }

    private func waitUntil(timeout: Duration, _ done: @escaping @Sendable ([UInt8], Bool) -> Bool) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [inbox] in
                while !Task.isCancelled {
                    let (bytes, closed) = inbox.state.withLock { ($0.bytes, $0.closed) }
                    if done(bytes, closed) || closed { return }
                    await inbox.changed(since: bytes.count)
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// A vendor that answers each request with scripted raw bytes: a correct OpenAI answer, a 200
/// head followed by garbage, or nothing at all (it reads the request, then hangs up). It counts
/// connections and requests and can close its idle keep-alive connections.
final class ScriptedVendor: Sendable {
    enum Answer: Sendable {
        /// A valid chat completion (JSON, or SSE when the request asked for a stream), keep-alive.
        case ok
        /// These bytes as the whole answer (head included), then the connection stays open.
        case raw(String)
        /// These bytes, then the connection is closed.
        case rawThenClose(String)
        /// A valid keep-alive answer, then the vendor shuts its side down (FIN) at once: to the
        /// gateway, a keep-alive connection closed between requests.
        case okThenHangUp
        /// Reads the whole request, then closes without a byte of answer.
        case closeWithoutAnswer
    }

    final class Shared: Sendable {
        struct State {
            var requests: [String] = []
            var script: [Answer] = []
        }
        let state = Mutex(State())
    }

    let port: Int
    let shared: Shared
    let connections: AcceptedConnections
    private let channel: any Channel

    private init(port: Int, shared: Shared, connections: AcceptedConnections, channel: any Channel) {
        self.port = port
        self.shared = shared
        self.connections = connections
        self.channel = channel
    }

    static func start() async throws -> ScriptedVendor {
        let shared = Shared()
        let connections = AcceptedConnections()
        let (channel, port) = try await LoopbackTestServer.bind(connections: connections) { child in
            // Requests are decoded; answers are written as raw bytes (no encoder).
            try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
            try child.pipeline.syncOperations.addHandler(Handler(shared: shared))
        }
        return ScriptedVendor(port: port, shared: shared, connections: connections, channel: channel)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var acceptedConnections: Int { connections.accepted }
    /// The bodies of the requests received, in order.
    var requestBodies: [String] { shared.state.withLock { $0.requests } }

    /// The next requests get these answers, in order; then `.ok` again.
    func script(_ answers: Answer...) {
        shared.state.withLock { $0.script.append(contentsOf: answers) }
    }

    /// Shuts the vendor's side of every open connection down (FIN; the vendor never writes on
    /// it again) and returns once the gateway has closed its end of each: the moment a test can
    /// be sure the gateway noticed, instead of racing the FIN's delivery. False when that did
    /// not happen within `timeout`.
    func hangUpIdleConnections(timeout: Duration = .seconds(30)) async -> Bool {
        let children = connections.open
        for child in children { try? await child.close(mode: .output) }
        return await Self.closed(children, within: timeout)
    }

    /// Returns once every open connection is closed at both ends (the gateway closed its end
    /// after a hang-up); false when that did not happen within `timeout`.
    func awaitNoOpenConnections(timeout: Duration = .seconds(30)) async -> Bool {
        await Self.closed(connections.open, within: timeout)
    }

    private final class Once: Sendable {
        let done = Mutex(false)
        /// True the first time only.
        func claim() -> Bool { done.withLock { done in defer { done = true }; return !done } }
    }

    /// Close futures are not cancellable, so the wait is a promise that the closes and a timer
    /// race to fulfil (a task group would wait for an unclosed channel forever).
    private static func closed(_ channels: [any Channel], within timeout: Duration) async -> Bool {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let promise = loop.makePromise(of: Bool.self)
        let once = Once()
        EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: loop).whenComplete { _ in
            if once.claim() { promise.succeed(true) }
        }
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)) {
            if once.claim() { promise.succeed(false) }
        }
        let result = (try? await promise.futureResult.get()) ?? false
        timer.cancel()
        return result
    }

    /// Closes every accepted connection and returns once they are closed on this side.
    func closeAllConnections() async {
        await connections.closeAll()
    }

    func stop() async {
        await closeAllConnections()
        try? await channel.close()
    }

    static let chatAnswer =
        #"{"id":"chatcmpl-edge","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","#
        + #""choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"#
        + #""usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#

    static let streamAnswer: String = {
        let chunk = #"{"id":"chatcmpl-edge","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":null}]}"#
        let last = #"{"id":"chatcmpl-edge","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#
        return "data: \(chunk)\n\ndata: \(last)\n\ndata: [DONE]\n\n"
    }()

    /// A complete keep-alive response with a content-length.
    static func response(status: String = "200 OK", contentType: String, body: String) -> String {
        "HTTP/1.1 \(status)\r\ncontent-type: \(contentType)\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = ByteBuffer
        let shared: Shared
        private var body: [UInt8] = []

        init(shared: Shared) { self.shared = shared }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: body = []
            case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
            case .end:
                let text = String(decoding: body, as: UTF8.self)
                let answer = shared.state.withLock { state in
                    state.requests.append(text)
                    return state.script.isEmpty ? Answer.ok : state.script.removeFirst()
                }
                switch answer {
                case .okThenHangUp:
                    let channel = context.channel
                    let bytes = ScriptedVendor.response(contentType: "application/json", body: ScriptedVendor.chatAnswer)
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: bytes))).whenComplete { _ in
                        channel.close(mode: .output, promise: nil)
                    }
                case .ok:
                    let streamed = text.contains(#""stream":true"#)
                    let bytes = streamed
                        ? ScriptedVendor.response(contentType: "text/event-stream", body: ScriptedVendor.streamAnswer)
                        : ScriptedVendor.response(contentType: "application/json", body: ScriptedVendor.chatAnswer)
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: bytes)), promise: nil)
                case .raw(let bytes):
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: bytes)), promise: nil)
                case .rawThenClose(let bytes):
                    let channel = context.channel
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: bytes))).whenComplete { _ in channel.close(promise: nil) }
                case .closeWithoutAnswer:
                    context.close(promise: nil)
                }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
