import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A loopback HTTP server for redirect tests, recording every request it receives (path,
/// headers, body) on any path and method.
///
/// With a `target`, it answers everything with `status` (307 by default, which keeps the method
/// and body) and `Location: <target><same path>`: an upstream that tries to send AAM on to
/// another host. Without one it answers `200 {}`: the "attacker" host a redirect names, whose
/// log proves what (if anything) reached it.
public final class FakeRedirector: Sendable {
    public struct Received: Sendable {
        public var method: String
        public var path: String
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: String
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let recorder: Recorder
    private let task: Task<Void, Never>

    private init(port: Int, recorder: Recorder, task: Task<Void, Never>) {
        self.port = port
        self.recorder = recorder
        self.task = task
    }

    public var received: [Received] { recorder.log.withLock { $0 } }

    public static func start(redirectingTo target: String? = nil, status: Int = 307) async throws -> FakeRedirector {
        let recorder = Recorder(target: target, status: status)
        let router = Router()
        router.on("**", method: .post) { request, _ in try await recorder.answer(request) }
        router.on("**", method: .get) { request, _ in try await recorder.answer(request) }
        router.on("**", method: .delete) { request, _ in try await recorder.answer(request) }
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
            throw FakeRedirectorStartError()
        }
        return FakeRedirector(port: port, recorder: recorder, task: task)
    }

    public func stop() async {
        task.cancel()
        await task.value
    }

    final class Recorder: Sendable {
        let log = Mutex<[Received]>([])
        let target: String?
        let status: Int

        init(target: String?, status: Int) {
            self.target = target
            self.status = status
        }

        func answer(_ request: Request) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            log.withLock {
                $0.append(Received(method: request.method.rawValue, path: request.uri.path, headers: headers, body: String(buffer: body)))
            }
            var fields = HTTPFields()
            guard let target else {
                fields[.contentType] = "application/json"
                return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
            }
            fields[.location] = target + request.uri.path
            return Response(status: HTTPResponse.Status(code: status), headers: fields)
        }
    }
}

struct FakeRedirectorStartError: Error {}
