import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a vendor, owned by its pool; one exchange at a time.
final class UpstreamConnection: Sendable {
    let id: Int
    let channel: any Channel
    let handler: NIOLoopBound<UpstreamExchangeHandler>

    init(id: Int, channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>) {
        self.id = id
        self.channel = channel
        self.handler = handler
    }

    /// Sends the request and returns once the response head arrived. Cancelling the calling
    /// task closes the connection and throws `CancellationError`.
    func execute(head: HTTPRequestHead, body: ByteBuffer, idleTimeout: TimeAmount, headDeadline: NIODeadline) async throws
        -> UpstreamResponseStart
    {
        let promise = channel.eventLoop.makePromise(of: UpstreamResponseStart.self)
        let exchange = UpstreamExchange(head: head, body: body, idleTimeout: idleTimeout, headDeadline: headDeadline, promise: promise)
        let handler = handler
        channel.eventLoop.execute { handler.value.start(exchange) }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            handler.eventLoop.execute { handler.value.cancel(promise) }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
