import AAMCore
import AAMStoreSQLite
import Foundation
import Testing

/// `aam demo`'s AI agent, end to end through the real binary: its own trust domain (signing key
/// and bundle, mode 0600 key), a JWT-SVID in `agent.jwt`, and agent traffic decided by the
/// sample AgentPolicy: allowed and denied model calls and MCP tool calls, each stored as a
/// call record with policy evidence, and the CRM credential never printed.
@Suite("Demo agent traffic", .serialized)
struct DemoAgentTrafficTests {
    static let agent = "spiffe://prod/agent/finance-analyst"

    @Test(.timeLimit(.minutes(2)))
    func theDemoAgentIsDecidedByItsPolicyAndEveryDecisionIsEvidence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-demo-agent-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try ProcessRunner(
            "aam",
            arguments: ["demo", "--port", "0", "--duration", "6", "--rate", "10", "--data-dir", directory.path, "--no-console", "--config", DaemonProcessTests.sampleConfig],
            environment: [:])
        #expect(await demo.waitForExit(timeout: .seconds(60)) == 0, "\(demo.allOutput)")
        let output = demo.allOutput

        // The banner shows how to act as the agent, with the token file (never a token inline).
        #expect(output.contains("/mcp/crm"), "\(output)")
        #expect(output.contains("$(cat \(directory.path)/agent.jwt)"), "\(output)")
        let token = try String(contentsOf: directory.appendingPathComponent("agent.jwt"), encoding: .utf8)
        #expect(token.hasPrefix("eyJ") && token.split(separator: ".").count == 3)
        #expect(!output.contains(token.trimmingCharacters(in: .whitespacesAndNewlines)), "the JWT-SVID is printed")
        for file in ["agent.jwt", "jwt-signing.pem", "mcp.token"] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
        let bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("bundles/prod.json"))) as? [String: Any]
        let keys = try #require(bundle?["keys"] as? [[String: Any]])
        #expect(keys.count == 1 && keys.first?["use"] as? String == "jwt-svid" && keys.first?["d"] == nil, "public key only: \(keys)")
        let crmCredential = try String(contentsOf: directory.appendingPathComponent("mcp.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!output.contains(crmCredential), "the CRM credential is printed")

        // The summary line counts the agent's decisions: both kinds happened.
        let summary = try #require(output.components(separatedBy: "\n").last { $0.contains("agent decisions") }, "\(output)")
        let counts = try #require(summary.firstMatch(of: #/agent decisions (\d+) allowed, (\d+) denied/#), "\(summary)")
        #expect(Int(counts.1) ?? 0 > 0 && Int(counts.2) ?? 0 > 0, "\(summary)")

        // The stored evidence: model and tool calls of the workload, each with its decision.
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("aam.db").path)
        let records: [CallRecord]
        do { records = try await store.calls(since: .distantPast) } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        // The demo's own traffic includes the Responses API (every 20th call, from the 8th).
        let responses = records.filter { $0.endpoint == "/v1/responses" }
        #expect(responses.contains { $0.status == 200 && $0.outcome == .success }, "\(responses.map(Self.describe))")
        let agentRecords = records.filter { $0.policy?.spiffeId == Self.agent }
        let tools = agentRecords.filter { $0.endpoint == "/mcp/crm" }
        let read = tools.first { $0.upstreamModel == "get_account" && $0.policy?.decision == "allow" }
        #expect(read?.outcome == .success && read?.provider == "mcp:crm" && read?.policy?.action == "read", "\(tools.map(Self.describe))")
        let search = tools.first { $0.upstreamModel == "search_accounts" && $0.policy?.decision == "allow" }
        #expect(search?.policy?.action == "search", "\(tools.map(Self.describe))")
        let export = tools.first { $0.upstreamModel == "export_accounts" }
        #expect(export?.policy?.decision == "deny" && export?.outcome == .rejected && export?.status == 403, "\(tools.map(Self.describe))")
        #expect(export?.policy?.policy == "finance-analyst-readonly", "\(tools.map(Self.describe))")
        let models = agentRecords.filter { $0.policy?.kind == "model" }
        #expect(models.contains { $0.alias == "reasoning-high" && $0.policy?.decision == "allow" }, "\(models.map(Self.describe))")
        let smart = models.first { $0.alias == "smart" }
        #expect(smart?.policy?.decision == "deny" && smart?.status == 404, "\(models.map(Self.describe))")
        // The sample policy's `audit.record` keeps identity, policy, action and outcome; the reason is the record's error class.
        #expect(smart?.errorClass == "model_not_allowed_by_policy", "\(models.map(Self.describe))")
    }

    static func describe(_ record: CallRecord) -> String {
        "\(record.endpoint) \(record.alias ?? record.upstreamModel ?? "-") \(record.status) \(record.policy?.decision ?? "-") \(record.errorClass ?? "-")"
    }
}
