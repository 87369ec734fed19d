import Foundation
import Testing

@testable import AAMServer

/// The real `aam policy` binary: `check` offline (exit codes and messages), `apply` through the
/// admin API of a running gateway, `explain` naming the deciding rule.
@Suite struct PolicyCLITests {
    static let fixtures = PersistenceTests.repositoryRoot.appendingPathComponent("Tests/AAMConfigTests/Fixtures/policies")

    @Test func checkAcceptsTheSeedAndPrintsItsShape() async throws {
        let run = try ProcessRunner("aam", arguments: ["policy", "check", "-f", PolicyAdminTests.seedPath], environment: [:])
        #expect(await run.waitForExit() == 0)
        #expect(run.allOutput.contains("OK: policy finance-analyst-readonly (1 tool, 2 models)"), "\(run.allOutput)")
    }

    @Test func checkRefusesABadFileWithItsLocatedErrors() async throws {
        let file = Self.fixtures.appendingPathComponent("bad/budget-not-a-number.yaml").path
        let run = try ProcessRunner("aam", arguments: ["policy", "check", "-f", file], environment: [:])
        #expect(await run.waitForExit() == 1)
        #expect(run.allOutput.contains("\(file):9:16: spec.budget.daily_usd: expected a decimal amount like 75 or 12.50, got 'plenty'"), "\(run.allOutput)")
        #expect(run.allOutput.contains("\(file):10:5: spec.budget.weekly_usd: unknown field 'weekly_usd'"), "\(run.allOutput)")
        #expect(!run.allOutput.contains("OK:"))

        let missing = try ProcessRunner("aam", arguments: ["policy", "check", "-f", "/nonexistent/p.yaml"], environment: [:])
        #expect(await missing.waitForExit() == 1)
        #expect(missing.allOutput.contains("/nonexistent/p.yaml: cannot read the file (no such file)"), "\(missing.allOutput)")
    }

    @Test func applyAndExplainThroughTheAdminAPI() async throws {
        try await PolicyAdminTests.withGateway { g in try await applyAndExplain(g) }
    }

    private func applyAndExplain(_ g: GatewayHarness) async throws {
        let env = ["AAM_ADMIN_TOKEN": GatewayHarness.adminToken]
        let apply = try ProcessRunner("aam", arguments: ["policy", "apply", "-f", PolicyAdminTests.seedPath, "--url", g.baseURL], environment: env)
        #expect(await apply.waitForExit() == 0, "\(apply.allOutput)")
        #expect(apply.allOutput.contains("policy finance-analyst-readonly created: version 1, mode enforce"), "\(apply.allOutput)")
        let again = try ProcessRunner("aam", arguments: ["policy", "apply", "-f", PolicyAdminTests.seedPath, "--url", g.baseURL], environment: env)
        #expect(await again.waitForExit() == 0)
        #expect(again.allOutput.contains("policy finance-analyst-readonly unchanged: version 1"), "\(again.allOutput)")
        // Applied through the API, so it is in force and audited as a CLI change.
        #expect(try await g.adminOK(.GET, "/admin/policies/finance-analyst-readonly")["version"] as? Int == 1)
        let audit = try await g.auditEntries("target=policy:finance-analyst-readonly").entries
        #expect((audit.first?["actor"] as? String)?.hasPrefix("cli:") == true, "\(audit)")

        let denied = try ProcessRunner("aam", arguments: [
            "policy", "explain", "--url", g.baseURL, "--spiffe-id", PolicyAdminTests.analyst, "--resource", "salesforce.accounts",
            "--action", "export",
        ], environment: env)
        #expect(await denied.waitForExit() == 3)
        #expect(denied.allOutput.contains(
            "DENY: denied by finance-analyst-readonly v1 rule tools[0].deny[export]: action export on salesforce.accounts is explicitly denied"),
            "\(denied.allOutput)")
        let allowed = try ProcessRunner("aam", arguments: [
            "policy", "explain", "--url", g.baseURL, "--spiffe-id", PolicyAdminTests.analyst, "--model", "reasoning-high",
        ], environment: env)
        #expect(await allowed.waitForExit() == 0)
        #expect(allowed.allOutput.contains("ALLOW: allowed by finance-analyst-readonly v1 rule models.allow: model alias reasoning-high is in models.allow"),
            "\(allowed.allOutput)")

        // A bad file is refused locally, before the daemon is asked.
        let bad = Self.fixtures.appendingPathComponent("bad/expose-to-agent.yaml").path
        let refused = try ProcessRunner("aam", arguments: ["policy", "apply", "-f", bad, "--url", g.baseURL], environment: env)
        #expect(await refused.waitForExit() == 1)
        #expect(refused.allOutput.contains("spec.credentials.expose_to_agent"), "\(refused.allOutput)")
        #expect(try await g.admin(.GET, "/admin/policies").text.contains("finance-analyst-readonly"))
    }
}
