import AAMCore
import AAMTesting
@testable import AAMServer
import Foundation
import Testing

/// Issue 13, item 7: a tool that hands the injected credential back as an object key or
/// encoded (base64 std/url, padded or not, at every alignment inside longer base64; hex in
/// either case; percent-encoded; JSON-escaped) must not get it to the agent, for every
/// injection type: a bearer credential, a custom header's value, an OAuth access token.
@Suite struct MCPScrubbingTests {
    static let policy = """
        apiVersion: access.envisionai.dev/v1
        kind: AgentPolicy
        metadata:
          name: analyst-tools
        spec:
          identity:
            workload: spiffe://prod/agent/analyst
          tools:
            - resource: salesforce.accounts
              actions: [read]
        """

    /// Every string in a decoded JSON value, keys included.
    static func strings(_ value: Any) -> [String] {
        switch value {
        case let text as String: [text]
        case let array as [Any]: array.flatMap(strings)
        case let object as [String: Any]: object.flatMap { [$0.key] + strings($0.value) }
        default: []
        }
    }

    @Test(arguments: [
        (#"{"type":"bearer"}"#, "bearer"),
        (#"{"type":"header","header":"X-Tool-Key"}"#, "header"),
        (#"{"type":"oauth-client-credentials","tokenURL":"TOKEN_URL","clientId":"aam-broker"}"#, "oauth"),
    ])
    func theCredentialNeverReachesTheAgentInAnyEncoding(_ injection: String, _ label: String) async throws {
        let s = try await MCPTestGateway.start(policy: Self.policy, tools: [("leak_credential", "read")], injection: injection)
        do {
            let reply = try await MCPTestGateway.send(
                s, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"leak_credential","arguments":{}}}"#,
                method: "tools/call", name: "leak_credential")
            #expect(reply.status == 200, "\(label): \(reply.text)")
            let result = try MCPGatewayTests.result(reply)
            // The tool was reached and did answer every form (the answer is scrubbed, not dropped).
            let upstream = try #require(s.fake.mcpRequests.first { $0.name == "leak_credential" })
            let header = upstream.headers["authorization"] ?? upstream.headers["x-tool-key"] ?? ""
            let injected = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : header
            #expect(!injected.isEmpty)
            if label == "oauth" { #expect(injected.hasPrefix("token-1-")) } else { #expect(injected == MCPTestGateway.credential) }
            let seen = Self.strings(result)
            for form in CredentialEncodings.all(injected) {
                #expect(seen.contains { $0.contains(form.name) }, "\(label): the answer lost the line for \(form.name)")
            }
            #expect(seen.contains { $0.contains("[REDACTED]") })
            // No form of any injected secret, in the bytes or in any decoded string or key.
            var secrets = [injected, MCPTestGateway.credential]
            if label == "oauth" { secrets.append("token-1-TOKSECRET") }
            for secret in secrets {
                for form in CredentialEncodings.evidence(secret) {
                    #expect(!reply.text.contains(form.text), "\(label): \(form.name) of a secret reached the agent")
                    #expect(!seen.contains { $0.contains(form.text) }, "\(label): \(form.name) of a secret reached the agent")
                }
            }
            #expect(!seen.contains { $0.contains("SECRET") }, "\(label): \(seen.filter { $0.contains("SECRET") })")
        } catch {
            await s.stop()
            throw error
        }
        await s.stop()
    }
}
