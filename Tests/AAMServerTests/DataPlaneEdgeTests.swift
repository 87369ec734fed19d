import AAMCore
import Foundation
import Testing

/// Issue 15, "bad input and edges", end to end through a real gateway on loopback: what clients
/// do at the byte level (pipelining, `Expect: 100-continue`, hand-made chunked uploads,
/// slowloris, half-closed sockets) and what vendors do to the SwiftNIO upstream client (close a
/// keep-alive connection between calls, take a request and hang up, send a 200 head then
/// garbage). Each case checks the status the client gets and the call record the gateway wrote.
@Suite("Data plane edges")
struct DataPlaneEdgeTests {
    static let upstreamKey = "sk-upstream-edges-5d1c"
    static let chatBody = #"{"model":"alpha","messages":[{"role":"user","content":"hi"}]}"#

    // MARK: Setup

    /// A gateway with two simulated aliases (`alpha` → deployment `alpha-sim`, `beta` →
    /// `beta-sim`) and a key.
    static func withSimulated(
        maxBodyBytes: Int? = nil, clientIdleTimeoutSeconds: Double? = nil, _ body: (GatewayHarness, Int, String) async throws -> Void
    ) async throws {
        let gateway = try await GatewayHarness.start(maxBodyBytes: maxBodyBytes, clientIdleTimeoutSeconds: clientIdleTimeoutSeconds)
        do {
            try await gateway.addProvider(
                "sim", protocol: "simulated", extra: #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":4,"errorRate":0}"#)
            try await gateway.addDeployment(alias: "alpha", provider: "sim", model: "m", id: "alpha-sim")
            try await gateway.addDeployment(alias: "beta", provider: "sim", model: "m", id: "beta-sim")
            let key = try await gateway.issueKey().secret
            let port = try #require(URL(string: gateway.baseURL)?.port)
            try await body(gateway, port, key)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// A gateway in front of two scripted vendors: alias `solo` = deployment `solo-only` on
    /// `first` (retries 2, so a resend would have room to happen); alias `duo` = `duo-first` on
    /// `first` (priority 0) then `duo-second` on `second` (priority 1).
    static func withVendors(_ body: (GatewayHarness, ScriptedVendor, ScriptedVendor, String) async throws -> Void) async throws {
        let first = try await ScriptedVendor.start()
        let second = try await ScriptedVendor.start()
        do {
            try await withGateway { gateway in
                try await gateway.addProvider("vendor-1", protocol: "openai", baseURL: first.baseURL, credential: upstreamKey)
                try await gateway.addProvider("vendor-2", protocol: "openai", baseURL: second.baseURL, credential: upstreamKey)
                try await gateway.addDeployment(alias: "solo", provider: "vendor-1", model: "gpt-4o-mini", id: "solo-only")
                try await gateway.adminOK(.PUT, "/admin/aliases/solo", json: #"{"retries":2}"#)
                try await gateway.adminOK(.POST, "/admin/deployments",
                                          json: #"{"id":"duo-first","alias":"duo","provider":"vendor-1","upstreamModel":"gpt-4o-mini","priority":0}"#)
                try await gateway.adminOK(.POST, "/admin/deployments",
                                          json: #"{"id":"duo-second","alias":"duo","provider":"vendor-2","upstreamModel":"gpt-4o-mini","priority":1}"#)
                try await gateway.adminOK(.PUT, "/admin/aliases/duo", json: #"{"strategy":"priority","retries":1}"#)
                try await body(gateway, first, second, try await gateway.issueKey().secret)
            }
        } catch {
            await first.stop()
            await second.stop()
            throw error
        }
        await first.stop()
        await second.stop()
    }

    /// A complete request with a content-length, as bytes on the wire.
    static func request(_ path: String = "/v1/chat/completions", key: String, body: String, extra: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
    }

    static func chat(_ model: String, stream: Bool = false) -> String {
        #"{"model":"\#(model)",\#(stream ? #""stream":true,"# : "")"messages":[{"role":"user","content":"hi"}]}"#
    }

    /// `body` as chunks of `size` bytes, each framed as HTTP/1.1 chunked encoding.
    static func chunks(_ body: String, size: Int) -> [String] {
        let bytes = Array(body.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { start in
            let piece = bytes[start..<min(bytes.count, start + size)]
            return String(piece.count, radix: 16) + "\r\n" + String(decoding: piece, as: UTF8.self) + "\r\n"
        }
    }

    /// The record of every reply, awaited on the bus (subscribed before the calls).
    static func records(_ responses: [RawHTTPResponse], on subscription: EventBus.Subscription) async throws -> [CallRecord] {
        var records: [CallRecord] = []
        for response in responses {
            records.append(try await GatewayHarness.record(try #require(response.header("x-request-id")), on: subscription, timeout: .seconds(30)))
        }
        return records
    }

    // MARK: Clients

    /// Three complete requests in one TCP write: each answered, in order, each with its own
    /// record; an error in the middle does not disturb its neighbours.
    @Test func pipelinedRequestsAreAnsweredInOrderEachWithItsOwnRecord() async throws {
        try await Self.withSimulated { gateway, port, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let connection = try await RawHTTPConnection.open(port: port)
            let messages = #"{"model":"beta","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            try await connection.write(
                Self.request(key: key, body: Self.chat("alpha")) + Self.request(key: key, body: Self.chat("no-such-model"))
                    + Self.request("/v1/messages", key: key, body: messages))
            let responses = await connection.responses(3)
            await connection.close()
            try #require(responses.count == 3, "got \(responses.count) responses: \(String(decoding: connection.received, as: UTF8.self))")
            #expect(responses.map(\.status) == [200, 404, 200])
            #expect(responses[0].header("x-aam-deployment") == "alpha-sim")
            #expect((try? responses[0].reply.json())?["object"] as? String == "chat.completion")
            responses[1].reply.expectOpenAIError(404, type: "invalid_request_error", code: "model_not_found")
            #expect(responses[2].header("x-aam-deployment") == "beta-sim")
            #expect((try? responses[2].reply.json())?["type"] as? String == "message", "the Anthropic route answered in its shape")
            #expect(Set(responses.compactMap { $0.header("x-request-id") }).count == 3, "three distinct request ids")

            let records = try await Self.records(responses, on: subscription)
            #expect(records.map(\.outcome) == [.success, .rejected, .success])
            #expect(records.map(\.status) == [200, 404, 200])
            #expect(records.map(\.endpoint) == ["/v1/chat/completions", "/v1/chat/completions", "/v1/messages"])
            #expect(records.map(\.deployment) == ["alpha-sim", nil, "beta-sim"])
            #expect(records[1].errorClass == "model_not_found")
            #expect(records[0].attempts.count == 1 && records[2].attempts.count == 1)
            #expect(records[1].attempts.isEmpty)
        }
    }

    /// Hummingbird sends no `100 Continue`: a client that waits for it (curl waits a second) and
    /// then sends its body gets the normal answer; a declared body over the limit is refused with
    /// 413 before the client sends a byte of it.
    @Test func expectContinueIsAnsweredWithoutNeedingTheBodyWhenItIsTooLarge() async throws {
        try await Self.withSimulated(maxBodyBytes: 4096) { gateway, port, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let body = Self.chat("alpha")
            let connection = try await RawHTTPConnection.open(port: port)
            let head = Self.request(key: key, body: "", extra: "Expect: 100-continue\r\n")
                .replacingOccurrences(of: "Content-Length: 0", with: "Content-Length: \(body.utf8.count)")
            try await connection.write(head)
            // What a client sees while it waits: `100 Continue`, or nothing (Hummingbird 2 sends no
            // interim response; clients such as curl send the body after a second of silence).
            let interim = await connection.bytesWithin(.seconds(1))
            if !interim.isEmpty {
                let parsed = RawHTTPResponse.parse(interim, closed: false).responses
                #expect(parsed.first?.status == 100, "only an interim 100 may come before the body: \(String(decoding: interim, as: UTF8.self))")
            }
            try await connection.write(body)
            let answer = await connection.responses(interim.isEmpty ? 1 : 2).filter { $0.status >= 200 }
            await connection.close()
            let final = try #require(answer.first, "no answer after the body")
            #expect(final.status == 200, "\(final.text)")
            let record = try await GatewayHarness.record(try #require(final.header("x-request-id")), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.status == 200)

            // Declared too large: the 413 arrives although the body never does.
            let big = try await RawHTTPConnection.open(port: port)
            try await big.write(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1048576\r\nExpect: 100-continue\r\n\r\n")
            let refused = await big.responses(1).filter { $0.status >= 200 }
            await big.close()
            let tooLarge = try #require(refused.first, "no answer without the body: \(String(decoding: big.received, as: UTF8.self))")
            tooLarge.reply.expectOpenAIError(413, type: "invalid_request_error", code: "request_too_large", messageContains: ["4096"])
            let refusedRecord = try await GatewayHarness.record(try #require(tooLarge.header("x-request-id")), on: subscription)
            #expect(refusedRecord.outcome == .rejected)
            #expect(refusedRecord.status == 413)
            #expect(refusedRecord.errorClass == "request_too_large")
            #expect(refusedRecord.attempts.isEmpty)
        }
    }

    /// A chunked upload in several writes with no content-length is read whole; one that grows
    /// past the limit is a 413 in the route's error shape, and the connection then serves the
    /// next request.
    @Test func chunkedUploadsAreReadWholeAndCappedAtTheLimit() async throws {
        try await Self.withSimulated(maxBodyBytes: 4096) { gateway, port, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let connection = try await RawHTTPConnection.open(port: port)
            let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            try await connection.write(head)
            let pieces = Self.chunks(Self.chat("alpha"), size: 9)
            #expect(pieces.count > 5)
            for piece in pieces { try await connection.write(piece) }
            try await connection.write("0\r\n\r\n")
            let served = await connection.responses(1)
            let ok = try #require(served.first, "no answer to the chunked upload")
            #expect(ok.status == 200, "\(ok.text)")
            #expect(ok.header("x-aam-deployment") == "alpha-sim")

            // Over the limit: 5 000 bytes of padding in 1 000-byte chunks.
            let padded = #"{"model":"alpha","messages":[{"role":"user","content":""# + String(repeating: "x", count: 5000) + #""}]}"#
            try await connection.write(head)
            for piece in Self.chunks(padded, size: 1000) { try await connection.write(piece) }
            try await connection.write("0\r\n\r\n")
            let afterLimit = await connection.responses(2)
            let refused = try #require(afterLimit.dropFirst().first, "no answer to the oversized upload")
            refused.reply.expectOpenAIError(413, type: "invalid_request_error", code: "request_too_large", messageContains: ["4096"])

            // The rest of the oversized body was read past: the same connection serves the next call.
            try await connection.write(Self.request(key: key, body: Self.chat("beta")))
            let all = await connection.responses(3)
            await connection.close()
            let next = try #require(all.dropFirst(2).first, "the connection did not serve the next request")
            #expect(next.status == 200)
            #expect(next.header("x-aam-deployment") == "beta-sim")

            let records = try await Self.records([ok, refused, next], on: subscription)
            #expect(records.map(\.outcome) == [.success, .rejected, .success])
            #expect(records.map(\.status) == [200, 413, 200])
            #expect(records[1].errorClass == "request_too_large")
        }
    }

    /// Slowloris: clients that dribble a request head a byte at a time (one stalls after a few
    /// bytes, one never stops dribbling) are cut by the idle timeout, which only a whole HTTP
    /// part resets; everyone else is served meanwhile. No request was read, so no record.
    @Test func slowlorisClientsAreCutByTheIdleTimeoutWhileOthersAreServed() async throws {
        // 5 s: long enough that the harness's own admin calls are not cut on a loaded machine.
        try await Self.withSimulated(clientIdleTimeoutSeconds: 5) { gateway, port, key in
            // About 90 s of dribbling at the pace below: far longer than any cut could take.
            let head = Array(Self.request(key: key, body: Self.chatBody, extra: "X-Padding: \(String(repeating: "p", count: 700))\r\n").utf8)
            let stalling = try await RawHTTPConnection.open(port: port)
            let dribbling = try await RawHTTPConnection.open(port: port)
            let started = ContinuousClock.now
            // A byte every 100 ms, for as long as the server keeps the connection (the pace is the
            // behaviour under test, not synchronisation).
            let dribbler = Task {
                var sent = 0
                while sent < head.count - 4, !Task.isCancelled {
                    do { try await dribbling.write([head[sent]]) } catch { break }
                    sent += 1
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return sent
            }
            // On a starved run the idle timeout can cut this client before its 20th byte: that is
            // the behaviour under test too, so a write into the cut connection ends the loop.
            for byte in head.prefix(20) {
                do { try await stalling.write([byte]) } catch { break }
            }

            // Meanwhile other clients are served, several times over. Each on a new connection:
            // a pooled client connection idle past the 5 s timeout would itself be cut, and a
            // request written as the server closes it fails (the race this suite documents).
            for _ in 0..<3 {
                #expect(try await Self.servedOnANewConnection(port: port, key: key) == 200)
            }

            #expect(await stalling.waitForPeerClose(timeout: .seconds(60)), "the stalled client was not cut")
            #expect(await dribbling.waitForPeerClose(timeout: .seconds(60)), "the dribbling client was not cut")
            let waited = ContinuousClock.now - started
            dribbler.cancel()
            let dribbled = await dribbler.value
            #expect(waited >= .seconds(4), "cut after \(waited), before the 5 s idle timeout")
            #expect(waited < .seconds(45), "cut after \(waited), the idle timeout is 5 s")
            #expect(dribbled < head.count - 4, "the dribbler reached the end of its head (\(dribbled) bytes) before being cut")
            #expect(stalling.received.isEmpty && dribbling.received.isEmpty, "no answer to a head never completed")
            await stalling.close()
            await dribbling.close()
            #expect(try await Self.servedOnANewConnection(port: port, key: key) == 200)
        }
    }

    /// One chat call on a connection of its own; the answer's status (0 when none came).
    static func servedOnANewConnection(port: Int, key: String) async throws -> Int {
        let connection = try await RawHTTPConnection.open(port: port)
        try await connection.write(Self.request(key: key, body: Self.chatBody))
        let answers = await connection.responses(1)
        await connection.close()
        return answers.first?.status ?? 0
    }

    /// A client that half-closes its socket (`shutdown(SHUT_WR)`) right after its requests still
    /// gets every answer, and each call is recorded as served.
    @Test func aHalfClosedClientStillGetsItsAnswers() async throws {
        try await Self.withSimulated { gateway, port, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let connection = try await RawHTTPConnection.open(port: port)
            try await connection.write(Self.request(key: key, body: Self.chat("alpha")) + Self.request(key: key, body: Self.chat("beta")))
            try await connection.shutdownOutput()
            let responses = await connection.responses(2)
            #expect(await connection.waitForPeerClose(timeout: .seconds(60)), "the server closes once it has answered")
            await connection.close()
            #expect(responses.map(\.status) == [200, 200], "\(String(decoding: connection.received, as: UTF8.self))")
            #expect(responses.map { $0.header("x-aam-deployment") } == ["alpha-sim", "beta-sim"])
            let records = try await Self.records(responses, on: subscription)
            #expect(records.map(\.outcome) == [.success, .success])
            #expect(records.map(\.status) == [200, 200])
        }
    }

    // MARK: Vendors

    /// A vendor that closes its keep-alive connections between calls (while they sit idle, or
    /// right after an answer that did not say `connection: close`) costs nothing once the
    /// gateway has seen the close: every call succeeds with one attempt on a new connection,
    /// and the vendor sees each request exactly once.
    ///
    /// The test waits until the gateway has closed its end (an event, not a sleep). Without
    /// that wait it races the FIN: on a loaded machine the gateway can write the next POST
    /// into a connection whose FIN has not arrived yet, and then, by design, does not resend
    /// it (it cannot tell that from a vendor that read the request and hung up, see
    /// `aRequestTheVendorReceivedIsNeverResentToIt`): that call fails with 503.
    @Test func aVendorClosingKeepAliveConnectionsBetweenCallsCostsNothing() async throws {
        try await Self.withVendors { gateway, vendor, _, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            var requestIDs: [String] = []
            for round in 0..<6 {
                // Odd rounds: the answer looks keep-alive but the vendor hangs up right after it.
                if round % 2 == 1 { vendor.script(.okThenHangUp) }
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("solo"))
                #expect(reply.status == 200, "round \(round): \(reply.text)")
                #expect(reply.header("x-aam-deployment") == "solo-only")
                requestIDs.append(reply.requestID())
                let noticed = round % 2 == 0 ? await vendor.hangUpIdleConnections() : await vendor.awaitNoOpenConnections()
                #expect(noticed, "round \(round): the gateway did not close its end after the vendor hung up")
            }
            #expect(vendor.requestBodies.count == 6, "each request reached the vendor exactly once")
            #expect(vendor.acceptedConnections == 6, "each call after a close went on a new connection")
            for id in requestIDs {
                let record = try await GatewayHarness.record(id, on: subscription)
                #expect(record.outcome == .success)
                #expect(record.status == 200)
                #expect(record.errorClass == nil)
                #expect(record.attempts.map(\.deployment) == ["solo-only"])
                #expect(record.attempts.first?.status == 200)
            }
        }
    }

    /// A vendor that reads a POST and hangs up without answering may have acted on it: the
    /// gateway never sends it to that deployment again. Alone, the alias fails with 503 naming
    /// the connection error; with a second deployment, the call fails over to it.
    @Test func aRequestTheVendorReceivedIsNeverResentToIt() async throws {
        try await Self.withVendors { gateway, first, second, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            // A warm keep-alive connection first, so the failing call goes on a reused one (the
            // case where the client may resend at all).
            #expect(try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("solo")).status == 200)
            first.script(.closeWithoutAnswer)
            let failed = try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("solo"))
            failed.expectOpenAIError(503, type: "api_error", code: "upstream_error", messageContains: ["solo-only", "connection_error"])
            #expect(first.requestBodies.count == 2, "the failed request reached the vendor exactly once")
            let record = try await GatewayHarness.record(failed.requestID(), on: subscription)
            #expect(record.outcome == .upstreamError)
            #expect(record.status == 503)
            #expect(record.attempts.map(\.deployment) == ["solo-only"])
            #expect(record.attempts.map(\.errorClass) == ["connection_error"])
            #expect(record.attempts.first?.status == nil)

            first.script(.closeWithoutAnswer)
            let failedOver = try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("duo"))
            #expect(failedOver.status == 200, "\(failedOver.text)")
            #expect(failedOver.header("x-aam-deployment") == "duo-second")
            #expect(first.requestBodies.count == 3, "duo-first got the request once")
            #expect(second.requestBodies.count == 1)
            let overRecord = try await GatewayHarness.record(failedOver.requestID(), on: subscription)
            #expect(overRecord.outcome == .success)
            #expect(overRecord.deployment == "duo-second")
            #expect(overRecord.attempts.map(\.deployment) == ["duo-first", "duo-second"])
            #expect(overRecord.attempts.map(\.errorClass) == ["connection_error", nil])
            #expect(overRecord.attempts.map(\.status) == [nil, 200])
        }
    }

    /// A vendor that sends a 200 head and then garbage (a non-JSON body, a broken chunked
    /// framing, a stream that is not SSE): the client gets a 502 in its shape, never the
    /// garbage, and the record says what happened; with a second deployment it fails over.
    @Test func aTwoHundredHeadThenGarbageIsA502WithACompleteRecord() async throws {
        try await Self.withVendors { gateway, first, _, key in
            let subscription = gateway.gateway.runtime.bus.subscribe()
            defer { subscription.cancel() }
            let html = ScriptedVendor.response(contentType: "application/json", body: "<html><body>502 Bad Gateway</body></html>")
            let brokenChunks = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZZ not a chunk size\r\n{\"id\":"
            let notSSE = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                + "1f\r\n\u{1}\u{2}binary soup without any frame\r\n0\r\n\r\n"
            let cases: [(name: String, answer: ScriptedVendor.Answer, stream: Bool, attemptClass: String)] = [
                ("non-JSON body", .raw(html), false, "upstream_invalid_response"),
                ("broken chunked framing", .rawThenClose(brokenChunks), false, "upstream_body_failed"),
                // Before any content, a stream without a frame fails like a plain answer (no 200 is sent yet).
                ("stream that is not SSE", .raw(notSSE), true, "upstream_stream_truncated"),
            ]
            for (name, answer, stream, attemptClass) in cases {
                first.script(answer)
                let before = first.requestBodies.count
                let reply = try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("solo", stream: stream))
                reply.expectOpenAIError(502, type: "api_error", code: "upstream_error", messageContains: ["solo-only (\(attemptClass))"])
                #expect(!reply.text.contains("Bad Gateway</body>") && !reply.text.contains("soup"), "\(name): the garbage leaked")
                #expect(first.requestBodies.count == before + 1, "\(name): sent once")
                let record = try await GatewayHarness.record(reply.requestID(), on: subscription)
                #expect(record.outcome == .upstreamError, "\(name)")
                #expect(record.status == 502, "\(name)")
                #expect(record.streamed == stream, "\(name)")
                #expect(record.attempts.map(\.deployment) == ["solo-only"], "\(name)")
                #expect(record.attempts.first?.status == 200, "\(name): the vendor's status is kept")
                #expect(record.attempts.first?.errorClass == attemptClass, "\(name): the attempt says why it failed")
                #expect(record.errorClass == "upstream_error", "\(name)")
            }

            // With somewhere else to go, the garbage is invisible.
            first.script(.raw(html))
            let failedOver = try await gateway.call("/v1/chat/completions", key: key, json: Self.chat("duo"))
            #expect(failedOver.status == 200, "\(failedOver.text)")
            #expect(failedOver.header("x-aam-deployment") == "duo-second")
            let record = try await GatewayHarness.record(failedOver.requestID(), on: subscription)
            #expect(record.outcome == .success)
            #expect(record.attempts.map(\.deployment) == ["duo-first", "duo-second"])
            #expect(record.attempts.map(\.errorClass) == ["upstream_invalid_response", nil])
            #expect(record.attempts.map(\.status) == [200, 200])
        }
    }
}
