import AAMCore
import Foundation
import Testing

/// The config file's `workloads:` section.
@Suite struct WorkloadConfigTests {
    static func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aam-wl-\(UUID().uuidString.prefix(8)).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func declaredWorkloadsAreRegisteredWithTheirScopes() async throws {
        let path = try Self.write("""
            workloads:
              - spiffeId: spiffe://prod/agent/finance-analyst
                owner: alice
                team: finance
                environment: prod
                deployment: analyst-v1
                orgId: acme
                teamId: fin
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withGateway(config: path) { gateway in
            let list = try await gateway.admin(.GET, "/admin/workloads")
            #expect(list.text.contains(#""spiffeId":"spiffe:\/\/prod\/agent\/finance-analyst""#) || list.text.contains("spiffe://prod/agent/finance-analyst"), "\(list.text)")
            #expect(list.text.contains(#""teamId":"fin""#))
            #expect(try await gateway.admin(.GET, "/admin/teams").text.contains(#""id":"fin""#))
        }
    }

    @Test func badWorkloadsAreRefusedWithLineAccurateErrors() async throws {
        let path = try Self.write("""
            workloads:
              - spiffeId: spiffe://prod/agent//x
                owner: alice
                team: finance
                environment: prod
                deployment: analyst-v1
                orgId: acme
              - spiffeId: spiffe://prod/agent/y
                ownr: bob
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        await #expect {
            _ = try await GatewayHarness.start(config: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains(":2:15: workloads[0].spiffeId: 'spiffe://prod/agent//x' is not a SPIFFE ID: path segments must not be empty ('//')")
                && text.contains(":9:5: workloads[1].ownr: unknown field 'ownr' (did you mean 'owner'?)")
                && text.contains("workloads[1].orgId: missing required field")
        }
    }
}
