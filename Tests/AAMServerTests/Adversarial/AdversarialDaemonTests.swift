import AAMCore
import AAMStorePostgres
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Issue 13's attacks, each sent as one hostile request to the real `aamd` on Postgres (see
/// ``HostileTarget``). After every attack the daemon must still answer `/healthz`; no denied
/// tool may be reached; no budget may be evaded; no credential may reach the caller in any
/// encoding; and at the end the next honest call's record must reach Postgres.
///
/// Each attack has its own focused regression test beside the code it breaks; this suite is
/// the end-to-end proof that the promises hold together, in one process, one after another.
@Suite(.serialized) struct AdversarialDaemonTests {
    @Test(
        "every attack of issue 13 against the real aamd on Postgres",
        .enabled(if: PostgresDaemonTests.shouldRun, "SKIPPED: AAM_TEST_POSTGRES_URL is not set (run scripts/with-postgres)"))
    func everyAttackAgainstTheRealDaemon() async throws {
        try await HostileTarget.with { target in
            try await Self.duplicateKeysCannotSteerTheMCPPolicy(target)
            try await Self.arithmeticOverflowCannotCrash(target)
            try await Self.anOversizedAliasCannotCrashOrBloatTheEvidence(target)
            try await Self.aNULCannotPoisonTheEvidence(target)
            try await Self.hangingUpCannotEvadeABudget(target)
            try await Self.credentialsNeverReachTheCaller(target)
            try await Self.aRedirectCannotCarryACredentialAway(target)
            try await Self.theNextHonestCallIsRecordedInPostgres(target)
        }
    }

    // MARK: - Item 1: duplicate JSON keys

    static func duplicateKeysCannotSteerTheMCPPolicy(_ target: HostileTarget) async throws {
        let session = try await target.mcpSession()
        let attacks: [(String, String)] = [
            ("a second method", #"{"jsonrpc":"2.0","id":11,"method":"ping","method":"tools/call","params":{"name":"export_accounts","arguments":{"id":"001"}}}"#),
            ("a second tool name", #"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"get_account","name":"export_accounts","arguments":{"id":"001"}}}"#),
            ("a second argument", #"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"unmapped_tool","arguments":{"amount":5,"amount":999999}}}"#),
            ("a nested second argument", #"{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"arguments":{"amount":5},"name":"unmapped_tool","arguments":{"amount":999999}}}"#),
        ]
        for (name, body) in attacks {
            let reply = try await target.mcpCall(body, session: session)
            #expect(reply.status == 400, "\(name): refused, not decided on one reading and run on another: \(reply.status) \(reply.body)")
            let error = try reply.json()["error"] as? [String: Any]
            #expect((error?["message"] as? String)?.lowercased().contains("duplicate") == true, "\(name): the JSON-RPC error says why: \(reply.body)")
            #expect(await target.isAlive(), "aamd answers /healthz after \(name)")
        }
        let reached = target.mcp.mcpRequests
        #expect(!reached.contains { $0.name == "export_accounts" }, "the denied tool was never reached")
        #expect(!reached.contains { $0.body.contains("999999") }, "the over-limit amount never reached the tool")

        // The honest version of the same calls still works: allowed runs, denied is a denial.
        let allowed = try await target.mcpCall(
            #"{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"get_account","arguments":{"id":"001"}}}"#, session: session)
        #expect(allowed.status == 200 && allowed.body.contains("ok get_account"), "\(allowed.body)")
        let denied = try await target.mcpCall(
            #"{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"export_accounts","arguments":{"id":"001"}}}"#, session: session)
        #expect(denied.status == 200 && denied.body.contains("\"isError\":true"), "\(denied.body)")
        #expect(!target.mcp.mcpRequests.contains { $0.name == "export_accounts" })

        // The data plane and the admin API follow the same rule.
        let chat = try await target.chat(#"{"model":"fast","model":"slow","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(chat.status == 400 && chat.body.contains("invalid_json"), "\(chat.body)")
        let admin = try await target.admin(.POST, "/admin/orgs", #"{"id":"a","id":"b"}"#)
        #expect(admin.status == 400 && admin.body.lowercased().contains("duplicate"), "\(admin.body)")
    }

    // MARK: - Item 2: arithmetic overflow from a key holder

    static func arithmeticOverflowCannotCrash(_ target: HostileTarget) async throws {
        for field in ["max_tokens", "max_completion_tokens"] {
            let reply = try await target.chat(#"{"model":"fast","\#(field)":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 400, "\(field): \(reply.status) \(reply.body)")
            #expect(await target.isAlive(), "aamd answers /healthz after \(field) = Int.max")
        }
        let anthropic = try await target.chat(
            #"{"model":"fast","max_tokens":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}"#, path: "/v1/messages")
        #expect(anthropic.status == 400, "\(anthropic.body)")
        #expect(await target.isAlive(), "aamd answers /healthz after an Anthropic max_tokens = Int.max")
    }

    // MARK: - Item 3: an 8 MiB alias

    static func anOversizedAliasCannotCrashOrBloatTheEvidence(_ target: HostileTarget) async throws {
        let envelope = #"{"model":"","messages":[{"role":"user","content":"hi"}]}"#
        let slashes = [UInt8](repeating: UInt8(ascii: "/"), count: 8 * 1024 * 1024 - envelope.utf8.count - 64)
        var body = Array(#"{"model":""#.utf8) + slashes
        body += Array(#"","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let reply = try await target.chat(body)
        #expect(reply.status == 400, "\(reply.status) \(reply.body.prefix(300))")
        #expect(reply.body.utf8.count < 4096, "the error does not echo the alias back at full length")
        #expect(await target.isAlive(), "aamd answers /healthz after an 8 MiB alias")
        let calls = try await target.adminOK(.GET, "/admin/calls?limit=5")
        #expect(calls.body.utf8.count < 64 * 1024, "the call list holds no megabyte alias: \(calls.body.utf8.count) bytes")
    }

    // MARK: - Item 4: a NUL in a recorded string

    static func aNULCannotPoisonTheEvidence(_ target: HostileTarget) async throws {
        for model in [#"\u0000"#, #"fa\u0000st"#] {
            let reply = try await target.chat(#"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#)
            #expect((400..<500).contains(reply.status), "\(reply.status) \(reply.body)")
            #expect(await target.isAlive(), "aamd answers /healthz after a NUL alias")
        }
        // An admin change after the poisoned records must still reach the audit trail.
        try await target.adminOK(.POST, "/admin/orgs", #"{"id":"after-nul"}"#)
    }

    // MARK: - Item 5: hanging up before the usage chunk

    static func hangingUpCannotEvadeABudget(_ target: HostileTarget) async throws {
        let stream = #"{"model":"slow","stream":true,"messages":[{"role":"user","content":"write a long story about budgets"}]}"#
        let requestID = try await Self.hangUpAfterFirstContent(target, body: stream)
        let record = try await Self.callRecord(requestID, in: target)
        let prompt = record["promptTokens"] as? Int ?? 0
        let completion = record["completionTokens"] as? Int ?? 0
        #expect(prompt + completion > 0, "an abandoned stream settles what was delivered, not zero: \(record)")
        #expect(record["costUSD"] as? String != nil && record["costUSD"] as? String != "0", "and is priced: \(record)")
        #expect(await target.isAlive(), "aamd answers /healthz after a client hung up mid-stream")

        // A key whose daily token budget admits a few such calls at a time (each reserves its
        // prompt plus max_tokens): hanging up again and again spends it until the key is
        // refused. Were hang-ups free, the 40 calls below would all be admitted.
        let issued = try await target.adminOK(.POST, "/admin/keys", #"{"orgId":"acme","name":"hang-up","budgets":[{"period":"daily","tokens":300}]}"#)
        let tight = try #require(try issued.json()["key"] as? String)
        let capped = #"{"model":"slow","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"write a long story about budgets"}]}"#
        var refusal: String?
        var settled = 0
        var hangUps = 0
        for _ in 0..<40 {
            switch try await Self.streamThenHangUp(target, body: capped, key: tight) {
            case .refused(let status, let body):
                #expect(status == 429, "\(body)")
                refusal = body
            case .hungUp(let id):
                hangUps += 1
                let record = try await Self.callRecord(id, in: target)
                settled += (record["promptTokens"] as? Int ?? 0) + (record["completionTokens"] as? Int ?? 0)
            }
            if refusal != nil { break }
        }
        #expect(hangUps >= 2, "the budget admitted hang-ups before refusing: \(hangUps)")
        #expect(refusal?.contains("budget_exceeded") == true, "hang-ups alone spend the budget until the key is refused: \(refusal ?? "never refused")")
        #expect(settled <= 300, "settled spend stays within the budget: \(settled) tokens over \(hangUps) hang-ups")
    }

    enum StreamEnd {
        /// The gateway answered with an error instead of a stream.
        case refused(status: Int, body: String)
        /// The stream started and the client hung up after its first content; the call's id.
        case hungUp(String)
    }

    /// Sends a streamed call, reads until the first content delta arrives, then closes the
    /// connection as a client that hangs up would.
    static func streamThenHangUp(_ target: HostileTarget, body: String, key: String? = nil) async throws -> StreamEnd {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: target.base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key ?? target.key.secret)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let end: StreamEnd
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            if response.status != .ok {
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                end = .refused(status: Int(response.status.code), body: text)
            } else {
                let requestID = try #require(response.headers.first(name: "x-request-id"), "the stream's head carried x-request-id")
                var seen = ""
                for try await chunk in response.body {
                    seen += String(buffer: chunk)
                    if seen.contains(#""content":""#) && seen.contains("\n\n") { break }
                }
                end = .hungUp(requestID)
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        // Shutting the client down closes its connection mid-stream: the gateway sees the hang-up.
        try await client.shutdown()
        return end
    }

    static func hangUpAfterFirstContent(_ target: HostileTarget, body: String, key: String? = nil) async throws -> String {
        switch try await streamThenHangUp(target, body: body, key: key) {
        case .hungUp(let id): return id
        case .refused(let status, let text): throw HarnessError("the stream was refused: \(status) \(text)")
        }
    }

    /// The call record of `requestID` from the admin API, once written (bounded wait: the
    /// record lands when the gateway notices the hang-up and the batch is flushed).
    static func callRecord(_ requestID: String, in target: HostileTarget) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let reply = try await target.admin(.GET, "/admin/calls/\(requestID)")
            if reply.status == 200 { return try reply.json() }
            guard ContinuousClock.now < deadline else { throw HarnessError("no call record for \(requestID): \(reply.status) \(reply.body)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: - Items 7 and 9: credentials in answers

    static func credentialsNeverReachTheCaller(_ target: HostileTarget) async throws {
        // A vendor whose 4xx error echoes the key it was sent, quoted and as key=…
        let vendorKey = target.vendor.apiKey
        await target.vendor.enqueue(
            .status(400, body: #"{"error":{"message":"Incorrect API key provided: \"\#(vendorKey)\". Check key=\#(vendorKey) or api_key: \#(vendorKey)","type":"invalid_request_error","code":"invalid_api_key"}}"#))
        let echoed = try await target.chat(#"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#)
        #expect((400..<600).contains(echoed.status), "\(echoed.status)")
        for form in CredentialForms.all(of: vendorKey) {
            #expect(!echoed.body.contains(form), "the vendor's key never reaches the caller, in any encoding: \(echoed.body)")
        }

        // An MCP tool that echoes the credential it was given.
        let session = try await target.mcpSession()
        let answer = try await target.mcpCall(
            #"{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"get_account","arguments":{"id":"001"}}}"#, session: session)
        #expect(answer.status == 200, "\(answer.body)")
        // A hostile tool that hands the credential back in every encoding, as values and keys.
        let leak = try await target.mcpCall(
            #"{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"leak_credential","arguments":{}}}"#, session: session)
        #expect(leak.status == 200, "\(leak.body)")
        #expect(target.mcp.mcpRequests.contains { $0.name == "leak_credential" }, "the tool ran")
        for form in CredentialForms.all(of: HostileTarget.toolCredential) + CredentialEncodings.all(HostileTarget.toolCredential).map(\.text) {
            #expect(!answer.body.contains(form) && !leak.body.contains(form), "the MCP credential never reaches the agent as \(form)")
        }
        #expect(await target.isAlive())
    }

    // MARK: - Item 6: a redirect naming another host

    static func aRedirectCannotCarryACredentialAway(_ target: HostileTarget) async throws {
        let attacker = try await FakeRedirector.start()
        let redirector: FakeRedirector
        do { redirector = try await FakeRedirector.start(redirectingTo: attacker.baseURL) } catch {
            await attacker.stop()
            throw error
        }
        do {
            try await target.adminOK(
                .POST, "/admin/mcp-servers",
                #"{"name":"moved","url":"\#(redirector.baseURL)/mcp","credential":"\#(HostileTarget.toolCredential)","injection":{"type":"header","header":"x-tool-key"}}"#)
            try await target.adminOK(.POST, "/admin/mcp-servers/moved/tools", #"{"tool":"get_account","resource":"salesforce.accounts","action":"read"}"#)
            let reply = try await target.mcpCall(
                #"{"jsonrpc":"2.0","id":31,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"a","version":"1"}}}"#,
                server: "moved")
            #expect(!(200..<300).contains(reply.status) || reply.body.contains("\"error\""), "a redirect is an upstream error: \(reply.status) \(reply.body)")
            #expect(!redirector.received.isEmpty, "the registered server was asked")
            #expect(attacker.received.isEmpty, "nothing reached the host the redirect named: \(attacker.received.map(\.headers))")
            for form in CredentialForms.all(of: HostileTarget.toolCredential) {
                #expect(!reply.body.contains(form))
            }
            #expect(await target.isAlive(), "aamd answers /healthz after a redirecting MCP server")
        } catch {
            await redirector.stop()
            await attacker.stop()
            throw error
        }
        await redirector.stop()
        await attacker.stop()
    }

    // MARK: - The end: honest evidence still flows

    static func theNextHonestCallIsRecordedInPostgres(_ target: HostileTarget) async throws {
        let honest = try await target.chat(#"{"model":"fast","messages":[{"role":"user","content":"an honest question"}]}"#)
        #expect(honest.status == 200, "\(honest.body)")
        let requestID = try #require(honest.headers.first(name: "x-request-id"))
        let store = try await PostgresStore.open(url: target.database.unmaskedString)
        let record: CallRecord?
        let audit: [AdminAuditEntry]
        do {
            let deadline = ContinuousClock.now + .seconds(20)
            var found = try await store.call(requestId: requestID)
            while found == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                found = try await store.call(requestId: requestID)
            }
            record = found
            audit = try await store.auditEntries(AdminAuditQuery(action: "org.create"))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        #expect(record?.outcome == .success, "the honest call's record reached Postgres after every attack")
        #expect(audit.contains { $0.target == "org:after-nul" }, "admin audit entries kept flowing after the poisoned records")
    }
}

/// The encodings a leaked credential could take in an answer: as written, base64 (standard and
/// URL-safe, unpadded), hex in both cases, percent-encoded.
enum CredentialForms {
    static func all(of secret: String) -> [String] {
        let bytes = Data(secret.utf8)
        let base64 = bytes.base64EncodedString()
        let unpadded = base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        let urlSafe = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        return Array(Set([secret, unpadded, urlSafe, hex, hex.uppercased(), percent]))
    }
}
