import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// The config file's `policies:` and `mcpServers:` sections on a running gateway: live after
/// start, versioned like `PUT /admin/policies` across re-applies (SIGHUP), and audited.
@Suite struct ConfigAgentSectionsTests {
    static let analyst = "spiffe://prod/agent/finance-analyst"
    static let token = "crm-TOPSECRET-token-" + UUID().uuidString.prefix(8)

    /// A config folder: `aam.yaml` and `policies/analyst.yaml` (granting `actions`).
    struct Folder {
        let url: URL
        var config: String { url.appendingPathComponent("aam.yaml").path }

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("aam-agents-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url.appendingPathComponent("policies"), withIntermediateDirectories: true)
        }

        func write(actions: String, tools: [String]) throws {
            try """
                # The analyst's policy, by file.
                apiVersion: access.envisionai.dev/v1
                kind: AgentPolicy
                metadata:
                  name: analyst
                spec:
                  identity:
                    workload: \(ConfigAgentSectionsTests.analyst)
                  tools:
                    - resource: salesforce.accounts
                      actions: [\(actions)]
                """.write(to: url.appendingPathComponent("policies/analyst.yaml"), atomically: true, encoding: .utf8)
            try """
                workloads:
                  - spiffeId: \(ConfigAgentSectionsTests.analyst)
                    owner: finance-data
                    team: finance
                    environment: prod
                    deployment: finance-analyst
                    orgId: acme
                policies:
                  - file: policies/analyst.yaml
                  - apiVersion: access.envisionai.dev/v1
                    kind: AgentPolicy
                    metadata: { name: reporter }
                    spec:
                      identity: { workload: spiffe://prod/agent/reporter }
                      models: { allow: [fast] }
                mcpServers:
                  - name: crm
                    url: http://127.0.0.1:9/mcp
                    credential: ${CRM_TOKEN}
                    injection: { type: bearer }
                    tools:
                \(tools.map { "      - { tool: \($0), resource: salesforce.accounts, action: read }" }.joined(separator: "\n"))
                """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    @Test func policiesAndMCPServersFromTheFileAreLiveVersionedAndAudited() async throws {
        let folder = try Folder()
        defer { folder.remove() }
        try folder.write(actions: "read", tools: ["get_account", "search_accounts"])
        let harness = try await GatewayHarness.start(config: folder.config, environment: ["CRM_TOKEN": Self.token])
        do {
            // Live after start: the engine decides with both policies, at version 1.
            var read = try await harness.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"read"}"#)
            #expect(read["decision"] as? String == "allow", "\(read)")
            #expect(read["policy"] as? String == "analyst")
            #expect(read["version"] as? Int == 1)
            let search = try await harness.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"search"}"#)
            #expect(search["decision"] as? String == "deny")
            let model = try await harness.evaluate(#"{"spiffeId":"spiffe://prod/agent/reporter","model":"fast"}"#)
            #expect(model["decision"] as? String == "allow" && model["policy"] as? String == "reporter", "\(model)")

            // The server is in the catalog with its credential sealed: set, never shown.
            let servers = try await harness.admin(.GET, "/admin/mcp-servers")
            #expect(servers.status == 200)
            #expect(!servers.text.contains(Self.token))
            let crm = try #require((try JSONSerialization.jsonObject(with: Data(servers.bytes)) as? [[String: Any]])?.first)
            #expect(crm["name"] as? String == "crm")
            #expect(crm["credentialSet"] as? Bool == true)
            #expect((crm["tools"] as? [[String: Any]])?.compactMap { $0["tool"] as? String } == ["get_account", "search_accounts"])

            // A server made through the admin API only is not the file's to touch.
            try await harness.adminOK(
                .POST, "/admin/mcp-servers",
                json: #"{"name":"wiki","url":"http://127.0.0.1:9/wiki","credential":"wiki-cred","injection":{"type":"bearer"}}"#)

            // SIGHUP with the file unchanged: no version moves, the sealed credential stays as it was.
            let sealed = await harness.gateway.runtime.registry.currentState.mcpServers["crm"]?.credential
            try await harness.gateway.applyConfigFile(folder.config)
            #expect(sealed != nil)
            #expect(await harness.gateway.runtime.registry.currentState.mcpServers["crm"]?.credential == sealed)
            read = try await harness.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"read"}"#)
            #expect(read["version"] as? Int == 1)
            #expect(try await harness.adminOK(.GET, "/admin/policies/reporter")["version"] as? Int == 1)

            // The policy changes in the file: the next version; the declared tool list replaces the map.
            try folder.write(actions: "read, search", tools: ["get_account"])
            try await harness.gateway.applyConfigFile(folder.config)
            let searchNow = try await harness.evaluate(#"{"spiffeId":"\#(Self.analyst)","resource":"salesforce.accounts","action":"search"}"#)
            #expect(searchNow["decision"] as? String == "allow", "\(searchNow)")
            #expect(searchNow["version"] as? Int == 2)
            #expect(try await harness.adminOK(.GET, "/admin/policies/reporter")["version"] as? Int == 1)
            let crmNow = try await harness.adminOK(.GET, "/admin/mcp-servers/crm")
            #expect((crmNow["tools"] as? [[String: Any]])?.compactMap { $0["tool"] as? String } == ["get_account"])
            #expect(try await harness.admin(.GET, "/admin/mcp-servers/wiki").status == 200)

            // Audited as config.apply, with the policy and the server as targets, no secret anywhere.
            let audit = try await harness.auditEntries()
            let applied = audit.entries.filter { $0["action"] as? String == "config.apply" }.compactMap { $0["target"] as? String }
            #expect(applied.contains("policy:analyst") && applied.contains("policy:reporter"), "\(applied)")
            #expect(applied.contains("mcpServer:crm"), "\(applied)")
            #expect(!audit.text.contains(Self.token))
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func badAgentSectionsStopTheStartWithLineAccurateErrors() async throws {
        let folder = try Folder()
        defer { folder.remove() }
        try """
            policies:
              - file: policies/missing.yaml
            mcpServers:
              - name: crm
                url: http://127.0.0.1:9/mcp
                credential: x
                injection: { type: header }
            """.write(toFile: folder.config, atomically: true, encoding: .utf8)
        await #expect {
            _ = try await GatewayHarness.start(config: folder.config)
        } throws: { error in
            let text = "\(error)"
            return text.contains(":2:11: policies[0].file: cannot read 'policies/missing.yaml' (no such file)")
                && text.contains(":7:16: mcpServers[0].injection.header: is required for injection type 'header' (an HTTP header name)")
        }
    }
}
