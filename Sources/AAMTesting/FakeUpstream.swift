import Hummingbird
import NIOCore

/// A real HTTP server on loopback that speaks the OpenAI, Azure OpenAI and Anthropic wire
/// protocols byte for byte, for integration tests and benchmarks of the gateway.
///
/// Endpoints (see ``FakeVendorError`` for the error dialects):
/// - OpenAI: `POST /v1/chat/completions` (JSON or SSE with `stream: true`, usage chunk with
///   `stream_options.include_usage`), `POST /v1/embeddings`, `GET /v1/models`;
///   `Authorization: Bearer KEY`. `POST /v1/responses`: the Responses API, plain or as typed
///   SSE events in OpenAI's order (`ResponsesWire`); responses are stored (unless `store:
///   false`), a `previous_response_id` continues one (the reply says `[turn N]`), an unknown one
///   gets OpenAI's 400 `previous_response_not_found`.
/// - Azure OpenAI: `POST /openai/deployments/{deployment}/chat/completions?api-version=…` and
///   `…/embeddings`; `api-key: KEY`; no `api-version` gives Azure's 404. The Responses API on
///   its v1 path, `POST /openai/v1/responses` (deployment in `model`, no `api-version`).
/// - Anthropic: `POST /v1/messages` (JSON or SSE); `x-api-key: KEY` and `anthropic-version`
///   required. `GET /v1/models` with `x-api-key` answers in Anthropic's shape.
/// - Gemini: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`
///   (`data:` events of whole `GenerateContentResponse`s; a JSON array without `alt=sse`),
///   `:embedContent`, `:batchEmbedContents`; `x-goog-api-key: KEY` (none: 403
///   `PERMISSION_DENIED`, a wrong one: 400 `API_KEY_INVALID`); unknown body members are a 400.
///
/// - Amazon Bedrock: `POST /model/{modelId}/converse` and `/converse-stream` (AWS event-stream
///   frames with real CRCs); every request SigV4-verified with the secret of `apiKey`
///   (`ACCESS_KEY_ID:SECRET`): a wrong signature is 403 `InvalidSignatureException`, a date more
///   than five minutes off the fake's clock (``setClockOffset(seconds:)``) `Signature expired`.
///
/// Replies are deterministic (see `FakeReply`): "Hello from fake-openai model MODEL: ECHO",
/// a `{"city":"Paris","unit":"celsius"}` tool call when tools are declared and the user asks
/// about the weather, usage counts derived from the request's size.
///
/// ```swift
/// let fake = try await FakeUpstream.start(apiKey: "sk-test")
/// defer { Task { await fake.stop() } }          // or await fake.stop() at the end
/// await fake.enqueue(.rateLimited(retryAfterSeconds: 2), .normal)
/// // … point the gateway at fake.baseURL …
/// let seen = await fake.receivedRequests()
/// await fake.stop()
/// ```
///
/// Synchronisation never relies on sleeping: ``waitForRequests(count:path:)`` suspends until
/// requests arrive. ``stop()`` cancels the server task and waits for it, so hanging or
/// streaming handlers end and no task outlives the fake.
public final class FakeUpstream: Sendable {
    /// Models listed by `GET /v1/models` unless others are given to ``start(apiKey:host:port:mode:models:)``.
    public static let defaultModels = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "claude-sonnet-4-20250514"]

    /// The access key id of the Bedrock credential when `apiKey` is a plain key (its secret):
    /// a provider reaches the fake's Bedrock routes with `"\(bedrockAccessKeyID):\(apiKey)"`.
    public static let bedrockAccessKeyID = "AKIAAAMFAKE0EXAMPLE0"

    /// The address the server listens on.
    public let host: String
    /// The bound port (the one the system chose when started with port 0).
    public let port: Int
    /// The only credential the fake accepts.
    public let apiKey: String
    public let mode: FakeUpstreamMode

    private let state: FakeUpstreamState
    private let serverTask: Task<Void, Never>

    /// `http://HOST:PORT`, without a trailing slash; OpenAI clients usually want
    /// `baseURL + "/v1"`.
    public var baseURL: String { "http://\(host):\(port)" }

    private init(host: String, port: Int, apiKey: String, mode: FakeUpstreamMode, state: FakeUpstreamState, serverTask: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.mode = mode
        self.state = state
        self.serverTask = serverTask
    }

    /// A safety net for a test that forgot ``stop()``: the server is cancelled when the last
    /// reference goes away (without waiting, which a deinit cannot do).
    deinit {
        serverTask.cancel()
    }

    /// Something went wrong before the fake was listening.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Moves the fake's clock `seconds` away from the host's: Bedrock's SigV4 check refuses a
    /// request signed more than five minutes off its clock (`Signature expired`).
    public func setClockOffset(seconds: Double) async {
        await state.setClockOffset(seconds)
    }

    // MARK: Lifecycle

    /// Starts a fake and returns once it accepts connections.
    ///
    /// - Parameters:
    ///   - apiKey: the credential every route requires.
    ///   - host: address to bind; loopback by default.
    ///   - port: port to bind; 0 lets the system choose (read it back from ``port``).
    ///   - mode: ``FakeUpstreamMode/full`` for tests, ``FakeUpstreamMode/fast`` for benchmarks.
    ///   - models: what `GET /v1/models` lists.
    /// - Throws: ``StartError`` or the bind error when the server cannot listen;
    ///   `CancellationError` when the calling task is cancelled while starting.
    public static func start(
        apiKey: String = "fake-key",
        host: String = "127.0.0.1",
        port: Int = 0,
        mode: FakeUpstreamMode = .full,
        models: [String] = FakeUpstream.defaultModels
    ) async throws -> FakeUpstream {
        let state = FakeUpstreamState()
        let responder = FakeUpstreamResponder(
            apiKey: apiKey, models: models, state: state,
            fast: mode == .fast ? FastResponses(apiKey: apiKey) : nil
        )
        // Hummingbird reports the bound address only through `onServerRunning`; relay it.
        let (events, relay) = AsyncStream.makeStream(of: StartupEvent.self)
        var app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in relay.yield(.listening(port: channel.localAddress?.port)) }
        )
        // The fake is a test fixture: Hummingbird's "server started" line is noise, and stop()
        // cancels the server, which Hummingbird reports as an error ("Waiting on child channel:
        // CancellationError") although it is the intended way down.
        app.logger.logLevel = .critical
        let serverTask = Task {
            do {
                try await app.run()
                relay.yield(.ended(nil))
            } catch {
                relay.yield(.ended(error))
            }
            relay.finish()
        }

        var iterator = events.makeAsyncIterator()
        switch await iterator.next() {
        case .listening(let bound?):
            return FakeUpstream(host: host, port: bound, apiKey: apiKey, mode: mode, state: state, serverTask: serverTask)
        case .listening(nil):
            serverTask.cancel()
            await serverTask.value
            throw StartError(description: "FakeUpstream: the server channel has no local port")
        case .ended(let error):
            await serverTask.value
            throw error ?? StartError(description: "FakeUpstream: the server ended before listening")
        case nil:
            // The caller was cancelled while waiting.
            serverTask.cancel()
            await serverTask.value
            throw CancellationError()
        }
    }

    private enum StartupEvent: Sendable {
        case listening(port: Int?)
        case ended((any Error)?)
    }

    /// Stops the server: open connections are cut (hanging and streaming requests included),
    /// waiters are released, and the call returns once every server task has finished.
    /// Calling it again does nothing more.
    public func stop() async {
        serverTask.cancel()
        await serverTask.value
        await state.markStopped()
    }

    // MARK: Recording

    /// Every request received so far, in arrival order (nothing in fast mode).
    public func receivedRequests() async -> [RecordedRequest] {
        await state.requests
    }

    /// The requests received on `path` (e.g. `/v1/messages`), in arrival order.
    public func receivedRequests(path: String) async -> [RecordedRequest] {
        await state.requests.filter { $0.path == path }
    }

    /// How many requests arrived, on `path` or in total.
    public func requestCount(path: String? = nil) async -> Int {
        await state.count(path: path)
    }

    /// Suspends until at least `count` requests (on `path`, if given) have arrived; counts
    /// requests already received. Returns false if the fake stopped or the waiting task was
    /// cancelled first. Requests are recorded on arrival, before any delay or hang.
    @discardableResult
    public func waitForRequests(count: Int, path: String? = nil) async -> Bool {
        await state.waitForRequests(count: count, path: path)
    }

    // MARK: Behaviours

    /// Appends behaviours to a scripted queue, each consumed by one request: the queue of
    /// `model` if given, else the queue of `path` if given, else the global queue.
    ///
    /// Per request the fake takes the first non-empty of: the model's queue, the path's queue,
    /// the global queue; then falls back to the sticky model behaviour, the sticky path
    /// behaviour, the default behaviour. Requests refused for their credential do not consume.
    public func enqueue(_ behaviours: FakeBehaviour..., path: String? = nil, model: String? = nil) async {
        await state.enqueue(behaviours, path: path, model: model)
    }

    /// Appends behaviours to a scripted queue (array form of ``enqueue(_:path:model:)``).
    public func enqueue(contentsOf behaviours: [FakeBehaviour], path: String? = nil, model: String? = nil) async {
        await state.enqueue(behaviours, path: path, model: model)
    }

    /// What requests get when nothing more specific applies (initially ``FakeBehaviour/normal``).
    public func setDefaultBehaviour(_ behaviour: FakeBehaviour) async {
        await state.setDefault(behaviour)
    }

    /// A behaviour for every request on `path` until changed; nil removes it.
    public func setBehaviour(_ behaviour: FakeBehaviour?, forPath path: String) async {
        await state.set(behaviour, path: path)
    }

    /// A behaviour for every request naming `model` (or Azure deployment) until changed; nil
    /// removes it.
    public func setBehaviour(_ behaviour: FakeBehaviour?, forModel model: String) async {
        await state.set(behaviour, model: model)
    }

    /// How many scripted behaviours are still queued.
    public func pendingBehaviourCount() async -> Int {
        await state.pendingScriptedCount
    }

    /// Forgets recorded requests and all behaviours; sequence numbers keep counting.
    public func reset() async {
        await state.reset()
    }
}
