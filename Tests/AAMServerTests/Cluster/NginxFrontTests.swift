import AAMCore
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import AAMServer

/// The shipped nginx config (deploy/nginx/aam-replicas.conf) in front of three replicas on one
/// Postgres (issue 14 item 9), through a real nginx: admin changes sent through it land on any
/// replica and are live on all; chat calls, plain and streamed, are spread over every replica
/// and streamed chunk by chunk in the same shape as straight from a replica; with a replica
/// stopped, calls still succeed (a refused connect is retried on another replica, since nothing
/// had been sent yet).
@Suite("Cluster: nginx in front of the replicas", .serialized)
struct NginxFrontTests {
    static let isCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
    /// Outside CI a machine without nginx skips; in CI it must run (scripts/test installs nginx).
    static let enabled = PostgresDaemonTests.shouldRun && (NginxProcess.binary != nil || isCI)
    static let skipped = "SKIPPED: needs nginx (apt-get install nginx) and AAM_TEST_POSTGRES_URL (scripts/with-postgres)"

    static let sim = #"{"name":"sim","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":6,"errorRate":0}}"#
    /// 20 tokens at 20 a second: a stream of about one second, paced chunk by chunk.
    static let paced = #"{"name":"paced","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":20,"completionTokens":20,"errorRate":0}}"#
    static func chat(_ model: String, stream: Bool = false) -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}]\#(stream ? #","stream":true"# : "")}"#
    }

    @Test("admin changes through nginx reach every replica; chat calls, plain and streamed, are spread over all three", .enabled(if: enabled, Comment(rawValue: skipped)))
    func spreadsCallsAndAdminChanges() async throws {
        try await withNginxFront { cluster, nginx in
            let replicas = cluster.replicas
            // (a) Configuration made only through nginx: orgs, providers, aliases, a key.
            for index in 0..<6 { try await Self.adminOK(nginx, .POST, "/admin/orgs", json: #"{"id":"front-\#(index)"}"#) }
            try await Self.adminOK(nginx, .POST, "/admin/providers", json: Self.sim)
            try await Self.adminOK(nginx, .POST, "/admin/providers", json: Self.paced)
            try await Self.adminOK(nginx, .POST, "/admin/deployments", json: #"{"alias":"fast","provider":"sim","upstreamModel":"sim-model","weight":1}"#)
            try await Self.adminOK(nginx, .POST, "/admin/deployments", json: #"{"alias":"paced","provider":"paced","upstreamModel":"sim-model","weight":1}"#)
            let issued = try await Self.adminOK(nginx, .POST, "/admin/keys", json: #"{"orgId":"front-0"}"#)
            let keyID = try #require(issued["id"] as? String)
            let key = try #require(issued["key"] as? String)
            let adminServers = Self.upstreams(in: nginx.accessLog, path: "/admin/")
            #expect(adminServers.count >= 2, "nginx spread the admin changes over the replicas: \(adminServers)")
            // Live on every replica, and the key made through nginx serves on each one directly.
            for replica in replicas {
                let state = { @Sendable in replica.gateway.runtime.snapshots.snapshot.state }
                _ = try await ClusterHarness.propagation(to: replica, of: {}) {
                    state().keys[keyID] != nil && state().aliasNames.isSuperset(of: ["fast", "paced"]) && state().orgs["front-5"] != nil
                }
                let direct = try await replica.call("/v1/chat/completions", key: key, json: Self.chat("fast"))
                #expect(direct.status == 200, "the key issued through nginx serves on \(replica.baseURL): \(direct.status) \(direct.text)")
            }

            // (b) 30 calls through nginx, every third streamed: all served, by all three replicas.
            let served = try await Self.servingReplicas(of: replicas) {
                var ids: [String] = []
                for index in 0..<30 {
                    let stream = index % 3 == 2
                    let reply = try await Self.send(nginx, .POST, "/v1/chat/completions", json: Self.chat("fast", stream: stream), key: key)
                    #expect(reply.status == 200, "call \(index) through nginx: \(reply.status) \(reply.text)")
                    if stream { #expect(reply.text.hasSuffix("data: [DONE]\n\n"), "stream \(index) ends with [DONE]: \(reply.text.suffix(80))") }
                    ids.append(try #require(reply.header("x-request-id"), "aamd's x-request-id comes back through nginx"))
                }
                return ids
            }
            let perReplica = (0..<replicas.count).map { index in served.values.filter { $0 == index }.count }
            print("nginx front: 30 calls served per replica \(perReplica)")
            #expect(served.count == 30, "each call has exactly one call record: \(served.count)")
            #expect(perReplica.allSatisfy { $0 >= 1 }, "every replica served calls through nginx: \(perReplica)")

            // (c) The stream through nginx has the shape of the stream straight from a replica.
            let direct = try await replicas[0].call("/v1/chat/completions", key: key, json: Self.chat("fast", stream: true))
            let fronted = try await Self.send(nginx, .POST, "/v1/chat/completions", json: Self.chat("fast", stream: true), key: key)
            #expect(fronted.status == 200 && fronted.header("content-type")?.hasPrefix("text/event-stream") == true, "\(fronted.headers)")
            #expect(fronted.text.hasSuffix("data: [DONE]\n\n"), "\(fronted.text.suffix(80))")
            #expect(Self.shape(of: fronted.text) == Self.shape(of: direct.text), "through nginx:\n\(fronted.text)\nstraight:\n\(direct.text)")
            #expect(Self.shape(of: fronted.text).count >= 3, "a real stream: \(fronted.text)")

            // ... and it is relayed as it is produced, not held back until it ends (buffering off).
            let timing = try await Self.streamTiming(url: nginx.baseURL + "/v1/chat/completions", json: Self.chat("paced", stream: true), key: key)
            print("nginx front: paced stream, first event to end \(Int(timing.spread.milliseconds)) ms")
            #expect(timing.text.hasSuffix("data: [DONE]\n\n"), "\(timing.text.suffix(80))")
            #expect(timing.spread >= .milliseconds(400), "the ~1 s paced stream arrived through nginx within \(timing.spread) of its first event: held back")
        }
    }

    @Test("with a replica stopped, calls through nginx still succeed on the others", .enabled(if: enabled, Comment(rawValue: skipped)))
    func survivesAStoppedReplica() async throws {
        try await withNginxFront { cluster, nginx in
            try await cluster.replicas[0].addSimulatedAliases(["fast"])
            let key = try await cluster.replicas[0].issueKey(org: "front")
            for replica in cluster.replicas {
                _ = try await ClusterHarness.propagation(to: replica, of: {}) {
                    replica.gateway.runtime.snapshots.snapshot.state.keys[key.id] != nil
                        && replica.gateway.runtime.snapshots.snapshot.state.aliasNames.contains("fast")
                }
            }
            // Warm every replica up through nginx (each then has a kept-alive connection from it).
            for _ in 0..<6 {
                #expect(try await Self.send(nginx, .POST, "/v1/chat/completions", json: Self.chat("fast"), key: key.secret).status == 200)
            }

            let stopped = cluster.replicas.removeLast()
            let stoppedAddress = Self.address(stopped)
            await stopped.stop()

            let served = try await Self.servingReplicas(of: cluster.replicas) {
                var ids: [String] = []
                for index in 0..<12 {
                    let stream = index % 2 == 1
                    let reply = try await Self.send(nginx, .POST, "/v1/chat/completions", json: Self.chat("fast", stream: stream), key: key.secret)
                    #expect(reply.status == 200, "call \(index) with \(stoppedAddress) stopped: \(reply.status) \(reply.text)")
                    if stream { #expect(reply.text.hasSuffix("data: [DONE]\n\n"), "\(reply.text.suffix(80))") }
                    ids.append(try #require(reply.header("x-request-id")))
                }
                return ids
            }
            #expect(served.count == 12, "every call was served by a running replica, once: \(served.count)")
            #expect(Set(served.values) == [0, 1], "both running replicas took calls: \(served)")
            // nginx found out by a refused connect and passed that same call on: its log lists
            // the stopped replica first, then the one that served.
            let retried = nginx.accessLog.split(separator: "\n").filter { $0.contains("upstream=\(stoppedAddress), ") }
            #expect(!retried.isEmpty, "a call was retried past the stopped replica:\n\(nginx.accessLog.suffix(2000))")
            #expect(nginx.errorLog.contains("Connection refused"), "\(nginx.errorLog.suffix(1000))")
        }
    }

    @Test("a chat call sent to a replica that then drops it is not passed on to another: 502, served nowhere", .enabled(if: enabled, Comment(rawValue: skipped)))
    func sentCallIsNotRetried() async throws {
        guard Self.nginxInstalled() else { return }
        try await ClusterHarness.withCluster(replicas: 1, prefix: "aam_nginx") { cluster in
            let replica = cluster.replicas[0]
            try await replica.addSimulatedAliases(["fast"])
            let key = try await replica.issueKey(org: "front")
            // A "replica" that takes the request and never answers, then drops the connection
            // (it accepts the AAM key, so the request is taken, not refused with 401).
            let dropper = try await FakeUpstream.start(apiKey: key.secret)
            await dropper.setDefaultBehaviour(.hang)
            do {
                try await Self.withNginx(upstreams: ["127.0.0.1:\(dropper.port)", Self.address(replica)]) { nginx in
                    // Round robin reaches the dropper within a few calls; the others are served.
                    var dropped: Task<GatewayHarness.Reply, any Error>?
                    for _ in 0..<4 where dropped == nil {
                        let before = await dropper.requestCount()
                        // Whichever comes first: the call is answered (by the replica), or the
                        // dropper has it. (A task group would wait for the unanswered call.)
                        let (outcomes, outcome) = AsyncStream<Bool>.makeStream()
                        let call = Task {
                            defer { outcome.yield(false) }
                            return try await Self.send(nginx, .POST, "/v1/chat/completions", json: Self.chat("fast"), key: key.secret)
                        }
                        let watcher = Task { if await dropper.waitForRequests(count: before + 1) { outcome.yield(true) } }
                        var iterator = outcomes.makeAsyncIterator()
                        let reachedDropper = await iterator.next() ?? false
                        watcher.cancel()
                        if reachedDropper {
                            dropped = call
                        } else {
                            #expect(try await call.value.status == 200)
                        }
                    }
                    let call = try #require(dropped, "no call reached the dropping upstream")
                    await dropper.stop()  // cuts the connection nginx sent the call on
                    let reply = try await call.value
                    // Passed on, the healthy replica would have served it (200) and charged it
                    // a second time; nginx answers 502 instead: the client decides about a retry.
                    #expect(reply.status == 502, "\(reply.status) \(reply.text)")
                    #expect(reply.header("content-type")?.hasPrefix("application/json") == true && reply.text.contains("replica_unreachable"), "\(reply.text)")
                    let lines = nginx.accessLog.split(separator: "\n").filter { $0.contains("POST /v1/chat/completions") && $0.contains(" 502 ") }
                    #expect(lines.count == 1 && lines.allSatisfy { $0.contains("upstream=127.0.0.1:\(dropper.port) ") }, "tried on the dropper only:\n\(nginx.accessLog)")
                }
            } catch {
                await dropper.stop()
                throw error
            }
            await dropper.stop()
        }
    }

    // MARK: Support

    /// Three replicas, nginx in front of them from the shipped template; nginx is stopped by
    /// its pid whatever happens, before the cluster is.
    func withNginxFront(_ body: (inout ClusterHarness, NginxProcess) async throws -> Void) async throws {
        guard Self.nginxInstalled() else { return }
        try await ClusterHarness.withCluster(prefix: "aam_nginx") { cluster in
            let replicas = cluster.replicas.map(Self.address)
            var inner = cluster
            try await Self.withNginx(upstreams: replicas) { nginx in try await body(&inner, nginx) }
            cluster = inner
        }
    }

    static func nginxInstalled() -> Bool {
        if NginxProcess.binary == nil {
            Issue.record("CI requires the nginx tests, and nginx is not installed: scripts/test installs it (apt-get install nginx)")
            return false
        }
        return true
    }

    static func address(_ replica: GatewayHarness) -> String { String(replica.baseURL.dropFirst("http://".count)) }

    /// nginx from the template in front of `upstreams` (HOST:PORT), stopped by its pid whatever
    /// `body` does.
    static func withNginx(upstreams: [String], _ body: (NginxProcess) async throws -> Void) async throws {
        let nginx = try await NginxProcess.start(replicas: upstreams)
        do {
            try await body(nginx)
        } catch {
            await nginx.stop()
            print("nginx error log:\n\(nginx.errorLog.suffix(3000))\nnginx access log:\n\(nginx.accessLog.suffix(3000))")
            throw error
        }
        await nginx.stop()
        nginx.removeDirectory()
    }

    static func send(_ nginx: NginxProcess, _ method: HTTPMethod, _ path: String, json: String? = nil, key: String? = nil) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: nginx.baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 32 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(collected.readableBytesView))
    }

    @discardableResult
    static func adminOK(_ nginx: NginxProcess, _ method: HTTPMethod, _ path: String, json: String) async throws -> [String: Any] {
        let reply = try await send(nginx, method, path, json: json, key: GatewayHarness.adminToken)
        #expect((200..<300).contains(reply.status), "\(method) \(path) through nginx -> \(reply.status) \(reply.text)")
        return (try? reply.json()) ?? [:]
    }

    /// The replica addresses that answered requests under `path` (the access log's upstream=).
    static func upstreams(in log: String, path: String) -> Set<String> {
        Set(log.split(separator: "\n").filter { $0.contains(" \(path)") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("upstream=") }.map { String($0.dropFirst("upstream=".count)) }
        })
    }

    /// Runs `calls` (which returns the x-request-id of each call it made) and maps each id to
    /// the index of the replica that served it: each replica publishes its own call records on
    /// its event bus, so the record says where the call ran. Waits (bounded) for every id.
    static func servingReplicas(of replicas: [GatewayHarness], _ calls: () async throws -> [String]) async throws -> [String: Int] {
        let subscriptions = replicas.map { $0.gateway.runtime.bus.subscribe() }
        let (records, sink) = AsyncStream<(Int, String)>.makeStream()
        let forwarders = subscriptions.enumerated().map { index, subscription in
            Task {
                for await event in subscription.events {
                    if case .call(let record) = event { sink.yield((index, record.requestId)) }
                }
            }
        }
        defer {
            for subscription in subscriptions { subscription.cancel() }
            for forwarder in forwarders { forwarder.cancel() }
            sink.finish()
        }
        let expected = Set(try await calls())
        let found = try await withDeadline(.seconds(60)) { () -> [String: Int] in
            var served: [String: Int] = [:]
            var duplicates = 0
            for await (index, id) in records where expected.contains(id) {
                if served.updateValue(index, forKey: id) != nil { duplicates += 1 }
                if served.count == expected.count { break }
            }
            #expect(duplicates == 0, "a call was recorded twice")
            return served
        }
        let served = try #require(found, "not every call's record arrived within 60 s")
        #expect(served.count == expected.count, "records for \(served.count) of \(expected.count) calls")
        return served
    }

    /// An SSE body as its events, with the per-call `id` and `created` taken out of each chunk:
    /// what must be the same whichever way the stream came.
    static func shape(of text: String) -> [String] {
        sseEvents(text).map { event in
            guard event.data != "[DONE]",
                var object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
            else { return "\(event.event ?? "") \(event.data)" }
            object["id"] = nil
            object["created"] = nil
            let canonical = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return "\(event.event ?? "") " + String(decoding: canonical, as: UTF8.self)
        }
    }

    /// Streams a call and measures from the first `data:` bytes to the end of the body.
    static func streamTiming(url: String, json: String, key: String) async throws -> (spread: Duration, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        // As SDK clients send it: a proxy that compressed the stream would hold it back.
        request.headers.add(name: "accept-encoding", value: "gzip, deflate")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-encoding") == nil, "the stream is not compressed on the way")
        var text = ""
        var first: ContinuousClock.Instant?
        for try await part in response.body {
            text += String(buffer: part)
            if first == nil, text.contains("data: ") { first = .now }
        }
        return (ContinuousClock.now - (first ?? .now), text)
    }
}
