import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOSSL
import Testing

/// The SwiftNIO upstream client (issue 15 item 5) against real loopback servers: the fake
/// vendor for the wire protocols and faults, `KeepAliveTestServer` where connections must be
/// counted or dropped, `FakeRedirector` for redirects.
@Suite struct NIOUpstreamTransportTests {
    static let chatBody = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#
    static let streamBody = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true}"#
    static let key = SecretValue("fake-key")

    static func request(_ url: String, body: String = chatBody, headers: [(String, String)] = [], timeoutMs: Int = 60_000) -> UpstreamRequest {
        UpstreamRequest(
            url: url, headers: [("content-type", "application/json")] + headers, body: Array(body.utf8), stream: body.contains("\"stream\":true"),
            timeoutMs: timeoutMs)
    }

    static func provider(_ wire: ProviderProtocol = .openai) -> ProviderConfig {
        ProviderConfig(name: "vendor", wireProtocol: wire, baseURL: "http://unused")
    }

    /// A fake vendor and a transport, both always stopped.
    static func withFake(
        idleTimeoutMs: Int = 60_000, connectionsPerHost: Int = 512, _ body: (FakeUpstream, NIOUpstreamTransport) async throws -> Void
    ) async throws {
        let fake = try await FakeUpstream.start(apiKey: "fake-key")
        let transport = NIOUpstreamTransport(connectionsPerHost: connectionsPerHost, idleTimeoutMs: idleTimeoutMs)
        do { try await body(fake, transport) } catch {
            await transport.shutdown()
            await fake.stop()
            throw error
        }
        await transport.shutdown()
        await fake.stop()
    }

    static func withServer(tls: NIOSSLContext? = nil, _ body: (KeepAliveTestServer, NIOUpstreamTransport) async throws -> Void) async throws {
        let server = try await KeepAliveTestServer.start(tls: tls)
        let transport = NIOUpstreamTransport()
        do { try await body(server, transport) } catch {
            await transport.shutdown()
            await server.stop()
            throw error
        }
        await transport.shutdown()
        await server.stop()
    }

    /// Polls `condition` until it holds or `within` passed (generous: a loaded 2-core run).
    static func eventually(_ what: Comment, within: Duration = .seconds(15), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("not reached: \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func text(_ response: UpstreamResponse) async throws -> String {
        String(decoding: try await response.body.collect(limit: 1 << 20), as: UTF8.self)
    }

    static func pool(_ transport: NIOUpstreamTransport, port: Int) -> UpstreamConnectionPool {
        transport.pool(for: UpstreamEndpoint(tls: false, host: "127.0.0.1", port: port))
    }

    // MARK: Requests and answers

    @Test func aPlainAnswerArrivesWithTheRequestAsTheVendorExpectsIt() async throws {
        try await Self.withFake { fake, transport in
            let response = try await transport.send(Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
            #expect(response.status == 200)
            #expect(response.header("content-type")?.contains("application/json") == true)
            #expect(try await Self.text(response).contains("Hello from fake-openai"))
            let seen = try #require(await fake.receivedRequests().first)
            #expect(seen.method == "POST")
            #expect(seen.path == "/v1/chat/completions")
            #expect(seen.header("authorization") == "Bearer fake-key")
            #expect(seen.header("content-length") == String(Self.chatBody.utf8.count))
            #expect(seen.body == Array(Self.chatBody.utf8))
        }
    }

    @Test func eachWireProtocolGetsItsCredentialHeaderAndTheQueryIsKept() async throws {
        try await Self.withFake { fake, transport in
            let azure = try await transport.send(
                Self.request(fake.baseURL + "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"),
                provider: Self.provider(.azureOpenAI), credential: Self.key)
            #expect(azure.status == 200)
            _ = try await azure.body.collect(limit: 1 << 20)
            let anthropic = try await transport.send(
                Self.request(
                    fake.baseURL + "/v1/messages", body: #"{"model":"claude-sonnet-4-20250514","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}"#,
                    headers: [("anthropic-version", "2023-06-01")]),
                provider: Self.provider(.anthropic), credential: Self.key)
            #expect(anthropic.status == 200)
            let seen = await fake.receivedRequests()
            #expect(seen.count == 2)
            #expect(seen.first?.header("api-key") == "fake-key")
            #expect(seen.first?.query == "api-version=2024-10-21")
            #expect(seen.first?.header("authorization") == nil)
            #expect(seen.last?.header("x-api-key") == "fake-key")
        }
    }

    @Test func aVendorErrorIsAnAnswerNotAFailure() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.rateLimited(retryAfterSeconds: 2))
            let response = try await transport.send(Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
            #expect(response.status == 429)
            #expect(response.header("retry-after") == "2")
            #expect(try await Self.text(response).lowercased().contains("rate"))
        }
    }

    @Test func anSSEStreamArrivesChunkByChunk() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.slowStream(gapMs: 300))
            let response = try await transport.send(
                Self.request(fake.baseURL + "/v1/chat/completions", body: Self.streamBody), provider: Self.provider(), credential: Self.key)
            #expect(response.status == 200)
            var arrivals: [ContinuousClock.Instant] = []
            var text = ""
            while let chunk = try await response.body.next() {
                arrivals.append(.now)
                text += String(buffer: chunk)
            }
            #expect(text.contains("data: [DONE]"))
            #expect(arrivals.count >= 3, "\(arrivals.count) chunks")
            // Forwarded as they come, not buffered to the end: the first and the last chunk are
            // at least one of the vendor's gaps apart.
            if let first = arrivals.first, let last = arrivals.last { #expect(last - first >= .milliseconds(250)) }
        }
    }

    @Test func anInvalidOrUnreachableURLIsAClearFailure() async throws {
        let transport = NIOUpstreamTransport(connectTimeoutMs: 5_000)
        await #expect(throws: UpstreamFailure.invalidURL("ftp://example.com/x")) {
            _ = try await transport.send(Self.request("ftp://example.com/x"), provider: Self.provider(), credential: nil)
        }
        let server = try await KeepAliveTestServer.start()
        let closedPort = server.port
        await server.stop()
        do {
            _ = try await transport.send(Self.request("http://127.0.0.1:\(closedPort)/v1/chat/completions"), provider: Self.provider(), credential: nil)
            Issue.record("a closed port answered")
        } catch let failure as UpstreamFailure {
            guard case .connect = failure else { throw failure }
        }
        await transport.shutdown()
    }

    // MARK: Keep-alive pool

    @Test func sequentialCallsReuseOneConnection() async throws {
        try await Self.withServer { server, transport in
            for n in 1...5 {
                let response = try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil)
                #expect(try await Self.text(response) == #"{"n":\#(n)}"#)
            }
            #expect(server.requests == 5)
            #expect(server.acceptedConnections == 1)
            #expect(Self.pool(transport, port: server.port).openConnections == 1)
            #expect(server.hostHeaders.allSatisfy { $0 == "127.0.0.1:\(server.port)" })
        }
    }

    @Test func aVendorThatClosedAnIdleConnectionCostsNothing() async throws {
        try await Self.withServer { server, transport in
            let first = try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil)
            _ = try await Self.text(first)
            await server.closeAllConnections()
            // Whether the client noticed the close yet or finds out when it writes, the call succeeds.
            let second = try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil)
            #expect(try await Self.text(second) == #"{"n":2}"#)
            #expect(server.requests == 2)
            #expect(server.acceptedConnections == 2)
        }
    }

    @Test func aConnectionIsClosedBeforeTheVendorsAnnouncedKeepAliveTimeout() async throws {
        try await Self.withServer { server, transport in
            // The vendor keeps idle connections 2 s (and, here, never closes them itself): the
            // client closes its idle one first, well before its own 60 s pool timeout.
            server.setKeepAliveHeader("timeout=2, max=100")
            _ = try await Self.text(try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil))
            try await Self.eventually("the idle connection is closed by the client", within: .seconds(20)) { server.openConnections == 0 }
            #expect(Self.pool(transport, port: server.port).openConnections == 0)
            // The next call simply opens a new one.
            #expect(try await Self.text(try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil)) == #"{"n":2}"#)
            #expect(server.acceptedConnections == 2)
        }
    }

    @Test func theKeepAliveHintIsReadAndKeptInsideTheVendorsLimit() {
        #expect(KeepAliveHint.idleTimeout("timeout=5, max=1000") == .seconds(5))
        #expect(KeepAliveHint.idleTimeout("max=10,Timeout = 30") == .seconds(30))
        #expect(KeepAliveHint.idleTimeout("max=10") == nil)
        #expect(KeepAliveHint.idleTimeout("timeout=soon") == nil)
        #expect(KeepAliveHint.idleTimeout(nil) == nil)
        #expect(KeepAliveHint.poolIdle(announced: .seconds(5), default: .seconds(60)) == .seconds(4))
        #expect(KeepAliveHint.poolIdle(announced: .seconds(1), default: .seconds(60)) == .milliseconds(500))
        #expect(KeepAliveHint.poolIdle(announced: .seconds(0), default: .seconds(60)) == .seconds(0))
        #expect(KeepAliveHint.poolIdle(announced: .seconds(120), default: .seconds(60)) == .seconds(60))
        #expect(KeepAliveHint.poolIdle(announced: nil, default: .seconds(60)) == .seconds(60))
    }

    @Test func aRequestTheVendorReceivedIsNeverSentAgain() async throws {
        try await Self.withServer { server, transport in
            _ = try await Self.text(try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil))
            server.setAnswer(.closeWithoutAnswer)
            do {
                _ = try await transport.send(Self.request(server.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: nil)
                Issue.record("answered")
            } catch let failure as UpstreamFailure {
                guard case .connect = failure else { throw failure }
            }
            #expect(server.requests == 2, "the second request went exactly once")
        }
    }

    @Test func theConnectionBoundQueuesCallsInsteadOfOpeningMore() async throws {
        try await Self.withFake(connectionsPerHost: 2) { fake, transport in
            await fake.setDefaultBehaviour(.delay(ms: 500))
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let response = try await transport.send(
                            Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
                        _ = try await response.body.collect(limit: 1 << 20)
                        return response.status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            // Six calls of 500 ms through two connections take three rounds.
            #expect(ContinuousClock.now - started >= .milliseconds(1_400))
            #expect(Self.pool(transport, port: fake.port).openConnections <= 2)
            #expect(await fake.requestCount() == 6)
        }
    }

    // MARK: Timeouts

    @Test func aSilentVendorHitsTheIdleTimeout() async throws {
        try await Self.withFake(idleTimeoutMs: 1_000) { fake, transport in
            await fake.enqueue(.hang)
            let started = ContinuousClock.now
            await #expect(throws: UpstreamFailure.timeout) {
                _ = try await transport.send(Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
            }
            #expect(ContinuousClock.now - started < .seconds(30))
            try await Self.eventually("the timed-out connection is closed") { Self.pool(transport, port: fake.port).openConnections == 0 }
        }
    }

    @Test func aStallInsideAStreamHitsTheIdleTimeout() async throws {
        // 4 s: a loaded parallel run can keep the head itself silent for over a second.
        try await Self.withFake(idleTimeoutMs: 4_000) { fake, transport in
            await fake.enqueue(.stallMidStream(afterEvents: 1, gapMs: 20_000))
            let response = try await transport.send(
                Self.request(fake.baseURL + "/v1/chat/completions", body: Self.streamBody), provider: Self.provider(), credential: Self.key)
            #expect(response.status == 200)
            var received = 0
            var failure: (any Error)?
            do { while try await response.body.next() != nil { received += 1 } } catch { failure = error }
            #expect(failure as? UpstreamFailure == .timeout, "\(String(describing: failure))")
            #expect(received >= 1, "the events before the stall came through")
        }
    }

    @Test func theRequestDeadlineBoundsTheWaitForTheHead() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.delay(ms: 30_000))
            let started = ContinuousClock.now
            await #expect(throws: UpstreamFailure.timeout) {
                _ = try await transport.send(
                    Self.request(fake.baseURL + "/v1/chat/completions", timeoutMs: 1_000), provider: Self.provider(), credential: Self.key)
            }
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    // MARK: Cancellation and abandoned bodies

    @Test func cancellingWhileWaitingForTheHeadClosesTheConnection() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.hang)
            let call = Task {
                _ = try await transport.send(Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
            }
            #expect(await fake.waitForRequests(count: 1))
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            try await Self.eventually("the connection is closed") { Self.pool(transport, port: fake.port).openConnections == 0 }
        }
    }

    @Test func cancellingMidStreamClosesTheConnection() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.slowStream(gapMs: 500))
            let (firstChunk, signal) = AsyncStream<Void>.makeStream()
            let call = Task {
                let response = try await transport.send(
                    Self.request(fake.baseURL + "/v1/chat/completions", body: Self.streamBody), provider: Self.provider(), credential: Self.key)
                _ = try await response.body.next()
                signal.yield()
                while try await response.body.next() != nil {}
            }
            var iterator = firstChunk.makeAsyncIterator()
            _ = await iterator.next()
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            try await Self.eventually("the connection is closed, not pooled") {
                let pool = Self.pool(transport, port: fake.port)
                return pool.openConnections == 0 && pool.idleConnections == 0
            }
        }
    }

    @Test func anAbandonedBodyClosesTheConnection() async throws {
        try await Self.withFake { fake, transport in
            await fake.enqueue(.slowStream(gapMs: 500))
            do {
                let response = try await transport.send(
                    Self.request(fake.baseURL + "/v1/chat/completions", body: Self.streamBody), provider: Self.provider(), credential: Self.key)
                _ = try await response.body.next()
            }
            try await Self.eventually("the connection is closed, not pooled") {
                let pool = Self.pool(transport, port: fake.port)
                return pool.openConnections == 0 && pool.idleConnections == 0
            }
            // And the next call gets a clean connection.
            let response = try await transport.send(Self.request(fake.baseURL + "/v1/chat/completions"), provider: Self.provider(), credential: Self.key)
            #expect(try await Self.text(response).contains("Hello from fake-openai"))
        }
    }

    // MARK: Redirects and TLS

    @Test func aRedirectIsRefusedAndNotFollowed() async throws {
        let attacker = try await FakeRedirector.start()
        let redirector = try await FakeRedirector.start(redirectingTo: attacker.baseURL, status: 307)
        let transport = NIOUpstreamTransport()
        await #expect(throws: UpstreamFailure.redirect(307)) {
            _ = try await transport.send(Self.request(redirector.baseURL + "/v1/messages"), provider: Self.provider(.anthropic), credential: Self.key)
        }
        #expect(redirector.received.first?.headers["x-api-key"] == "fake-key")
        #expect(attacker.received.isEmpty)
        await transport.shutdown()
        await redirector.stop()
        await attacker.stop()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func httpsVendorsAreVerifiedAgainstTheGivenRoots() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-nio-tls-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (cert, keyFile) = try SIEMSyslogTLSTests.makeCertificate(in: directory)
        let serverTLS = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))))
        let server = try await KeepAliveTestServer.start(tls: serverTLS)
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .file(cert)
        let transport = NIOUpstreamTransport(tlsConfiguration: trusting)
        let untrusting = NIOUpstreamTransport()
        do {
            for host in ["127.0.0.1", "localhost"] {
                let response = try await transport.send(
                    Self.request("https://\(host):\(server.port)/v1/chat/completions"), provider: Self.provider(), credential: nil)
                #expect(response.status == 200)
                _ = try await Self.text(response)
            }
            #expect(server.hostHeaders.contains("localhost:\(server.port)"))
            do {
                _ = try await untrusting.send(Self.request("https://127.0.0.1:\(server.port)/v1/chat/completions"), provider: Self.provider(), credential: nil)
                Issue.record("an unverifiable vendor was trusted")
            } catch let failure as UpstreamFailure {
                guard case .connect = failure else { throw failure }
            }
            #expect(server.requests == 2, "nothing reached the unverified vendor")
        } catch {
            Issue.record(error)
        }
        await transport.shutdown()
        await untrusting.shutdown()
        await server.stop()
    }

    // MARK: Handler

    @Test func aClosedPooledConnectionReportsTheRequestAsNotSent() throws {
        let channel = EmbeddedChannel()
        let handler = UpstreamExchangeHandler(poolIdleTimeout: .seconds(60), onReusable: {})
        try channel.pipeline.syncOperations.addHandler(handler)
        let promise = channel.eventLoop.makePromise(of: UpstreamResponseStart.self)
        handler.start(
            UpstreamExchange(
                head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/"), body: ByteBuffer(), idleTimeout: .seconds(1),
                headDeadline: .now() + .seconds(1), promise: promise))
        var failure: (any Error)?
        promise.futureResult.assumeIsolated().whenFailure { failure = $0 }
        #expect(failure is UpstreamRequestNotSent, "\(String(describing: failure))")
        _ = try? channel.finish()
    }
}
