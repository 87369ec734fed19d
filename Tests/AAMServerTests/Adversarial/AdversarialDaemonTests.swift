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
    }

    /// Sends a streamed call, reads until the first content delta arrives, then closes the
    /// connection as a client that hangs up would. Returns the call's request id.
    static func hangUpAfterFirstContent(_ target: HostileTarget, body: String) async throws -> String {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: target.base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(target.key.secret)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let requestID: String?
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            requestID = response.headers.first(name: "x-request-id")
            var seen = ""
            for try await chunk in response.body {
                seen += String(buffer: chunk)
                if seen.contains(#""content":""#) && seen.contains("\n\n") { break }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        // Shutting the client down closes its connection mid-stream: the gateway sees the hang-up.
        try await client.shutdown()
        return try #require(requestID, "the stream's head carried x-request-id")
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
        for form in CredentialForms.all(of: HostileTarget.toolCredential) {
            #expect(!answer.body.contains(form), "the MCP credential never reaches the agent: \(answer.body)")
        }
        #expect(await target.isAlive())
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
