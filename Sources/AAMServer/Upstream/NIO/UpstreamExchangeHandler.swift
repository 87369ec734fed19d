import NIOCore
import NIOHTTP1
import NIOSSL

/// The body of a vendor's answer as the connection produces it: buffered up to a high-water
/// mark, then the socket is not read until the consumer catches up.
typealias UpstreamBodySequence = NIOThrowingAsyncSequenceProducer<
    ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyDemand
>

/// The start of a vendor's answer: its head, and the body still arriving.
struct UpstreamResponseStart: Sendable {
    var head: HTTPResponseHead
    var body: UpstreamBodySequence
}

/// Nothing of the request reached the vendor: the pooled connection was already closed, or
/// writing to it failed. The only failure after which a request may be sent again.
struct UpstreamRequestNotSent: Error, Sendable {
    var reason: String
}

/// One request to run on a connection.
struct UpstreamExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    /// Longest silence from the vendor while AAM is reading (head wait, gaps between chunks).
    var idleTimeout: TimeAmount
    /// The response head must have arrived by then.
    var headDeadline: NIODeadline
    var promise: EventLoopPromise<UpstreamResponseStart>
}

/// The end of the pipeline of one upstream connection: runs one exchange at a time, hands
/// the body to its consumer with backpressure (reads stop while the consumer's buffer is
/// full) and enforces the idle and head timeouts on the event loop, with no task per chunk.
///
/// A connection is offered back to its pool (`onReusable`) only once a response was read to
/// its end and the vendor did not ask to close; a consumer that abandons a body before its end
/// closes the connection, so no half-read answer is ever seen by the next request.
final class UpstreamExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        /// Fresh, or in the pool between exchanges.
        case idle
        case awaitingHead(EventLoopPromise<UpstreamResponseStart>, requestWritten: Bool)
        /// `keepAliveFor`: how long the vendor keeps the connection idle (`Keep-Alive: timeout=`).
        case streaming(UpstreamBodySequence.Source, keepAlive: Bool, keepAliveFor: TimeAmount?)
        case closed
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// The error that closed the connection before any exchange (a failed TLS handshake: an
    /// unknown CA, a refused client certificate), told to the request that then finds it closed.
    private var closedBy: String?
    /// Tells the consumer's callbacks of an earlier exchange apart from the current one.
    private var exchangeID: UInt64 = 0
    private var idleTimeout = TimeAmount.seconds(120)
    /// When the vendor last sent something, or AAM last asked it for more after a pause.
    private var lastActivity = NIODeadline.now()
    private var idleTimer: Scheduled<Void>?
    private var headTimer: Scheduled<Void>?
    private var poolIdleTimer: Scheduled<Void>?
    /// False while the consumer's buffer is above its high-water mark.
    private var consumerWantsMore = true
    /// A read the channel asked for while the consumer was full; issued when it wants more.
    private var readHeld = false
    private let poolIdleTimeout: TimeAmount
    private let onReusable: @Sendable () -> Void

    init(poolIdleTimeout: TimeAmount, onReusable: @escaping @Sendable () -> Void) {
        self.poolIdleTimeout = poolIdleTimeout
        self.onReusable = onReusable
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    // MARK: Exchange

    /// Writes the request and waits for the head (`exchange.promise`).
    func start(_ exchange: UpstreamExchange) {
        guard let context, case .idle = state, context.channel.isActive else {
            exchange.promise.fail(UpstreamRequestNotSent(reason: closedBy ?? "the pooled connection was closed"))
            return
        }
        poolIdleTimer?.cancel()
        poolIdleTimer = nil
        exchangeID &+= 1
        let id = exchangeID
        state = .awaitingHead(exchange.promise, requestWritten: false)
        idleTimeout = exchange.idleTimeout
        consumerWantsMore = true
        lastActivity = .now()
        let loop = context.eventLoop.assumeIsolated()
        headTimer = loop.scheduleTask(deadline: exchange.headDeadline) { self.fail(UpstreamFailure.timeout, exchange: id) }
        armIdleTimer(context)
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if exchange.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { result in self.requestWriteCompleted(result, exchange: id) }
    }

    /// The calling task was cancelled while waiting for the head: the connection is closed.
    func cancel(_ promise: EventLoopPromise<UpstreamResponseStart>) {
        guard case .awaitingHead(let current, _) = state, current.futureResult === promise.futureResult else { return }
        fail(CancellationError(), exchange: exchangeID)
    }

    private func requestWriteCompleted(_ result: Result<Void, any Error>, exchange id: UInt64) {
        guard id == exchangeID, case .awaitingHead(let promise, _) = state else { return }
        switch result {
        case .success: state = .awaitingHead(promise, requestWritten: true)
        case .failure(let error): fail(UpstreamRequestNotSent(reason: "writing the request failed: \(Self.describe(error))"), exchange: id)
        }
    }

    // MARK: Body demand (called by `UpstreamBodyDemand` on the event loop)

    func produceMore(exchange id: UInt64) {
        guard id == exchangeID, case .streaming = state else { return }
        consumerWantsMore = true
        if readHeld, let context {
            readHeld = false
            // Silence is counted again from now: the pause was AAM's, not the vendor's.
            lastActivity = .now()
            context.read()
        }
    }

    /// The consumer stopped reading (finished, dropped the body, or was cancelled). Before the
    /// end of the response, that closes the connection.
    func consumerTerminated(exchange id: UInt64) {
        guard id == exchangeID, case .streaming = state else { return }
        cancelTimers()
        state = .closed
        context?.close(promise: nil)
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .awaitingHead(let promise, _) = state else {
                fail(UpstreamFailure.connect("the vendor sent a response nobody asked for"), exchange: exchangeID)
                return
            }
            headTimer?.cancel()
            headTimer = nil
            let demand = UpstreamBodyDemand(handler: NIOLoopBound(self, eventLoop: context.eventLoop), exchange: exchangeID)
            let body = UpstreamBodySequence.makeSequence(
                backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16), finishOnDeinit: false, delegate: demand)
            state = .streaming(body.source, keepAlive: head.isKeepAlive, keepAliveFor: KeepAliveHint.idleTimeout(head.headers["keep-alive"].first))
            consumerWantsMore = true
            promise.succeed(UpstreamResponseStart(head: head, body: body.sequence))
        case .body(let buffer):
            guard case .streaming(let source, _, _) = state else { return }
            switch source.yield(buffer) {
            case .produceMore: break
            case .stopProducing: consumerWantsMore = false
            case .dropped: consumerTerminated(exchange: exchangeID)
            }
        case .end:
            guard case .streaming(let source, let keepAlive, let keepAliveFor) = state else { return }
            cancelTimers()
            // The state moves first: finishing may call back into `consumerTerminated` at once.
            guard keepAlive, context.channel.isActive else {
                state = .closed
                source.finish()
                context.close(promise: nil)
                return
            }
            state = .idle
            source.finish()
            // An idle connection keeps reading, so a vendor that closes it is noticed at once.
            if readHeld {
                readHeld = false
                context.read()
            }
            // Closed before the vendor's own idle timeout when it announced one: a request written
            // into a connection the vendor is closing at that moment is lost, and a POST is not resent.
            let idleFor = KeepAliveHint.poolIdle(announced: keepAliveFor, default: poolIdleTimeout)
            poolIdleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: idleFor) { self.idleTooLong() }
            onReusable()
        }
    }

    func read(context: ChannelHandlerContext) {
        if case .streaming = state, !consumerWantsMore {
            readHeld = true
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .awaitingHead(_, let written):
            fail(
                written
                    ? UpstreamFailure.connect("the vendor closed the connection before answering")
                    : UpstreamRequestNotSent(reason: "the vendor closed the connection"), exchange: exchangeID)
        case .streaming:
            fail(UpstreamFailure.connect("the vendor closed the connection before the end of its answer"), exchange: exchangeID)
        case .idle, .closed:
            cancelTimers()
            state = .closed
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .idle = state, closedBy == nil { closedBy = Self.describeClosing(error) }
        if case .awaitingHead(_, requestWritten: false) = state {
            fail(UpstreamRequestNotSent(reason: Self.describeClosing(error)), exchange: exchangeID)
        } else {
            fail(UpstreamFailure.connect(Self.describeClosing(error)), exchange: exchangeID)
        }
    }

    // MARK: Timers and failure

    private func armIdleTimer(_ context: ChannelHandlerContext) {
        let id = exchangeID
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastActivity + idleTimeout) { self.idleTimerFired(exchange: id) }
    }

    /// One timer per exchange, moved forward when it fires early (cheaper than rescheduling
    /// on every chunk).
    private func idleTimerFired(exchange id: UInt64) {
        idleTimer = nil
        guard id == exchangeID, let context else { return }
        switch state {
        case .awaitingHead, .streaming: break
        case .idle, .closed: return
        }
        if readHeld {
            // The consumer is slow, not the vendor: nothing to time out while AAM is not reading.
            lastActivity = .now()
        } else if lastActivity + idleTimeout <= .now() {
            fail(UpstreamFailure.timeout, exchange: id)
            return
        }
        armIdleTimer(context)
    }

    private func idleTooLong() {
        guard case .idle = state else { return }
        state = .closed
        context?.close(promise: nil)
    }

    private func fail(_ error: any Error, exchange id: UInt64) {
        guard id == exchangeID else { return }
        cancelTimers()
        switch state {
        case .awaitingHead(let promise, _):
            state = .closed
            promise.fail(error)
        case .streaming(let source, _, _):
            state = .closed
            source.finish(error)
        case .idle:
            state = .closed
        case .closed:
            return
        }
        context?.close(promise: nil)
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        headTimer?.cancel()
        headTimer = nil
        poolIdleTimer?.cancel()
        poolIdleTimer = nil
    }

    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(200))
    }

    /// A TLS failure named as one (the vendor's certificate not trusted, a client certificate refused).
    static func describeClosing(_ error: any Error) -> String {
        error is NIOSSLError || error is BoringSSLError ? "TLS handshake failed: " + describe(error) : describe(error)
    }
}

/// Carries the body consumer's demand back to the connection's event loop.
struct UpstreamBodyDemand: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<UpstreamExchangeHandler>
    let exchange: UInt64

    func produceMore() {
        let (handler, exchange) = (handler, exchange)
        if handler.eventLoop.inEventLoop {
            handler.value.produceMore(exchange: exchange)
        } else {
            handler.eventLoop.execute { handler.value.produceMore(exchange: exchange) }
        }
    }

    func didTerminate() {
        let (handler, exchange) = (handler, exchange)
        if handler.eventLoop.inEventLoop {
            handler.value.consumerTerminated(exchange: exchange)
        } else {
            handler.eventLoop.execute { handler.value.consumerTerminated(exchange: exchange) }
        }
    }
}
