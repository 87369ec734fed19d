import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A real Splunk HTTP Event Collector look-alike on loopback, for tests and demos of SIEM
/// export: `POST /services/collector/event` (and `/services/collector`) with
/// `Authorization: Splunk <token>`, a body of concatenated event objects; answers like HEC
/// (`{"text":"Success","code":0}`, 401 `Invalid token`, 400 `Invalid data format`).
///
/// Fault injection: `failNext(_:status:)` answers the next N requests with a status (503, 429,
/// …) without recording them; `stop()` refuses connections until `restart()` on the same port.
public final class HECReceiver: Sendable {
    /// One event object as received.
    public struct Event: Sendable, Hashable {
        public var time: Double?
        public var host: String?
        public var source: String?
        public var sourceType: String?
        /// The `event` member, re-serialized with sorted keys.
        public var eventJSON: String

        /// `eventJSON` parsed.
        public var event: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(eventJSON.utf8))) as? [String: Any]) ?? [:]
        }
    }

    private final class State: Sendable {
        let events = Mutex<[Event]>([])
        let failures = Mutex<(count: Int, status: Int)>((0, 503))
        let requests = Mutex(0)
        let refusedTokens = Mutex(0)
    }

    public let host: String
    public let token: String
    private let boundPort = Mutex(0)
    private let state = State()
    private let serverTask = Mutex<Task<Void, Never>?>(nil)

    /// The bound port.
    public var port: Int { boundPort.withLock { $0 } }
    /// `http://HOST:PORT/services/collector/event`.
    public var url: String { "http://\(host):\(port)/services/collector/event" }

    private init(host: String, token: String) {
        self.host = host
        self.token = token
    }

    deinit {
        serverTask.withLock { $0?.cancel() }
    }

    public static func start(token: String, host: String = "127.0.0.1", port: Int = 0) async throws -> HECReceiver {
        let receiver = HECReceiver(host: host, token: token)
        try await receiver.listen(port: port)
        return receiver
    }

    /// Every event accepted so far, in arrival order (duplicates included).
    public var events: [Event] { state.events.withLock { $0 } }
    /// Requests received (all answers).
    public var requestCount: Int { state.requests.withLock { $0 } }
    /// Requests refused with 401 (missing or wrong token).
    public var refusedTokenCount: Int { state.refusedTokens.withLock { $0 } }

    /// Answers the next `count` requests with `status` (and records nothing from them).
    public func failNext(_ count: Int, status: Int = 503) {
        state.failures.withLock { $0 = (count, status) }
    }

    /// Stops listening: connections are refused until `restart()`.
    public func stop() async {
        let task = serverTask.withLock { current -> Task<Void, Never>? in
            defer { current = nil }
            return current
        }
        task?.cancel()
        await task?.value
    }

    /// Listens again on the same port.
    public func restart() async throws {
        try await listen(port: port)
    }

    /// Waits until at least `count` events arrived (polling with a deadline), returning them all.
    public func waitForEvents(count: Int, timeout: Duration = .seconds(20)) async throws -> [Event] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let events = self.events
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ReceiverTimeout(description: "HEC receiver: \(events.count) of \(count) events after \(timeout)")
    }

    private func listen(port: Int) async throws {
        let router = Router()
        let state = state
        let expected = "Splunk " + token
        for path in ["services/collector/event", "services/collector"] {
            router.post(RouterPath(stringLiteral: path)) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 64 << 20)
                state.requests.withLock { $0 += 1 }
                let injected = state.failures.withLock { failures -> Int? in
                    guard failures.count > 0 else { return nil }
                    failures.count -= 1
                    return failures.status
                }
                if let injected { return Self.answer(injected, #"{"text":"Server is busy","code":9}"#) }
                guard request.headers[.authorization] == expected else {
                    state.refusedTokens.withLock { $0 += 1 }
                    return Self.answer(401, #"{"text":"Invalid token","code":4}"#)
                }
                guard let events = Self.parse(Array(body.readableBytesView)), !events.isEmpty else {
                    return Self.answer(400, #"{"text":"Invalid data format","code":6}"#)
                }
                state.events.withLock { $0.append(contentsOf: events) }
                return Self.answer(200, #"{"text":"Success","code":0}"#)
            }
        }
        let (started, relay) = AsyncStream.makeStream(of: Int?.self)
        var app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in relay.yield(channel.localAddress?.port) })
        app.logger.logLevel = .critical
        let task = Task {
            try? await app.run()
            relay.finish()
        }
        var iterator = started.makeAsyncIterator()
        guard let bound = await iterator.next() ?? nil else {
            task.cancel()
            await task.value
            throw ReceiverTimeout(description: "HEC receiver could not listen on \(host):\(port)")
        }
        boundPort.withLock { $0 = bound }
        serverTask.withLock { $0 = task }
    }

    private static func answer(_ status: Int, _ json: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Splits concatenated JSON objects (whitespace between them allowed) and reads each one's
    /// envelope; nil when any part is not an object with an `event`.
    static func parse(_ bytes: [UInt8]) -> [Event]? {
        var events: [Event] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start: Int?
        for (index, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x7B:
                if depth == 0 { start = index }
                depth += 1
            case 0x7D:
                depth -= 1
                guard depth >= 0 else { return nil }
                if depth == 0, let from = start {
                    guard let event = envelope(Array(bytes[from...index])) else { return nil }
                    events.append(event)
                    start = nil
                }
            case 0x20, 0x0A, 0x0D, 0x09: break
            default: if depth == 0 { return nil }
            }
        }
        return depth == 0 && !inString ? events : nil
    }

    private static func envelope(_ bytes: [UInt8]) -> Event? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any], let event = object["event"],
            let eventData = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .fragmentsAllowed])
        else { return nil }
        return Event(
            time: (object["time"] as? NSNumber)?.doubleValue, host: object["host"] as? String, source: object["source"] as? String,
            sourceType: object["sourcetype"] as? String, eventJSON: String(decoding: eventData, as: UTF8.self))
    }
}
