import AAMCore
import Foundation
import Testing

@testable import AAMServer

/// The real `aam mcp` binary against an in-process gateway's admin API: add (credential from an
/// environment variable or a file, never a flag), map, list, delete, and the errors of each.
@Suite struct MCPCLITests {
    static let secret = "crm-cli-SECRET-41x"

    /// Runs `aam mcp …` to completion and returns its exit status and whole output. The output is
    /// read to EOF on a Dispatch thread (blocking reads must not starve the in-process gateway),
    /// so nothing printed just before exit is lost.
    func aam(_ arguments: [String], _ g: GatewayHarness, env: [String: String] = [:]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = ProcessRunner.binaryDirectory.appendingPathComponent("aam")
        process.arguments = ["mcp"] + arguments + ["--url", g.baseURL]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") }
        environment["AAM_ADMIN_TOKEN"] = GatewayHarness.adminToken
        environment.merge(env) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        return (process.terminationStatus, output)
    }

    func opened(_ g: GatewayHarness, _ name: String) async throws -> String? {
        guard let sealed = await g.gateway.runtime.registry.currentState.mcpServers[name]?.credential else { return nil }
        return try g.gateway.runtime.vault.open(sealed, owner: MCPServerConfig.credentialOwner(name)).revealForTransport()
    }

    @Test func addMapListAndDeleteThroughTheAdminAPI() async throws {
        try await PolicyAdminTests.withGateway { g in
            let (added, out) = try await aam(
                ["add", "crm", "--server-url", "http://127.0.0.1:9/mcp", "--injection", "bearer", "--credential-env", "CRM_TOKEN"], g, env: ["CRM_TOKEN": Self.secret])
            #expect(added == 0, "\(out)")
            #expect(out.contains("MCP server crm added: http://127.0.0.1:9/mcp (2025-11-25, bearer, credential "), "\(out)")
            #expect(!out.contains(Self.secret))
            #expect(try await opened(g, "crm") == Self.secret)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("aam-mcp-cred-\(Identifiers.random(8))")
            try Data("client-secret-99\n".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let (oauth, oauthOut) = try await aam([
                "add", "hr", "--server-url", "http://127.0.0.1:9/mcp", "--protocol-version", "2026-07-28", "--injection", "oauth-client-credentials",
                "--token-url", "http://127.0.0.1:9/token", "--client-id", "aam-broker", "--scope", "hr.read", "--credential-file", file.path,
            ], g)
            #expect(oauth == 0, "\(oauthOut)")
            #expect(try await opened(g, "hr") == "client-secret-99", "the file's trailing newline is not part of the secret")
            let hr = try await g.adminOK(.GET, "/admin/mcp-servers/hr")
            #expect(hr["protocolVersion"] as? String == "2026-07-28")
            let injection = try #require(hr["injection"] as? [String: Any])
            #expect(injection["type"] as? String == "oauth-client-credentials" && injection["clientId"] as? String == "aam-broker")
            #expect(injection["tokenURL"] as? String == "http://127.0.0.1:9/token" && injection["scope"] as? String == "hr.read")

            let (mapped, mapOut) = try await aam(
                ["map", "crm", "--tool", "get_account", "--resource", "salesforce.accounts", "--action", "read", "--resource-id-from", "account.id"], g)
            #expect(mapped == 0, "\(mapOut)")
            #expect(mapOut.contains("crm: tool get_account -> salesforce.accounts read (id from account.id)"), "\(mapOut)")

            let (listed, list) = try await aam(["list"], g)
            #expect(listed == 0, "\(list)")
            // The servers' table, a blank line, the tool mappings' table.
            let tables = list.components(separatedBy: "\n\n")
            #expect(tables.count == 2, "\(list)")
            let servers = AAMCommandRun.table(tables[0])
            #expect(servers.map { $0["NAME"] } == ["crm", "hr"], "\(list)")
            #expect(servers.first?["URL"] == "http://127.0.0.1:9/mcp" && servers.first?["VERSION"] == "2025-11-25" && servers.first?["INJECTION"] == "bearer")
            #expect(servers.first?["CREDENTIAL"] != "-" && servers.first?["TOOLS"] == "1", "\(list)")
            #expect(servers.last?["VERSION"] == "2026-07-28" && servers.last?["INJECTION"] == "oauth-client-credentials", "\(list)")
            #expect(
                AAMCommandRun.table(tables.last ?? "")
                    == [["SERVER": "crm", "TOOL": "get_account", "RESOURCE": "salesforce.accounts", "ACTION": "read", "ID FROM": "account.id"]], "\(list)")
            #expect(!list.contains(Self.secret) && !list.contains("client-secret-99"))
            let (_, json) = try await aam(["list", "--json"], g)
            #expect(json.contains("\"credentialSet\" : true"), "\(json)")
            let (_, output) = try await aam(["list", "-o", "json"], g)
            #expect(output == json, "-o json and the older --json print the same")

            // Changes are audited as made from the CLI.
            let audit = try await g.auditEntries().entries.filter { ($0["target"] as? String)?.hasSuffix(":crm") == true }
            #expect(!audit.isEmpty && audit.allSatisfy { ($0["actor"] as? String)?.hasPrefix("cli:") == true }, "\(audit)")

            let (deleted, deleteOut) = try await aam(["delete", "hr"], g)
            #expect(deleted == 0 && deleteOut.contains("MCP server hr deleted"), "\(deleteOut)")
            #expect(await g.gateway.runtime.registry.currentState.mcpServers["hr"] == nil)
            let (again, againOut) = try await aam(["delete", "hr"], g)
            #expect(again == 1, "\(againOut)")
            #expect(againOut.contains("aam mcp delete: 404: "), "\(againOut)")
        }
    }

    @Test func badInputIsRefusedClearlyAndACredentialIsNeverAFlag() async throws {
        try await PolicyAdminTests.withGateway { g in
            let base = ["add", "crm", "--server-url", "http://127.0.0.1:9/mcp"]
            let (none, noneOut) = try await aam(base + ["--injection", "bearer"], g)
            #expect(none != 0)
            #expect(noneOut.contains("exactly one of --credential-env VAR or --credential-file PATH"), "\(noneOut)")

            let (flag, flagOut) = try await aam(base + ["--injection", "bearer", "--credential", Self.secret], g)
            #expect(flag != 0)
            #expect(flagOut.contains("--credential"), "\(flagOut)")

            let (unset, unsetOut) = try await aam(base + ["--injection", "bearer", "--credential-env", "AAM_TEST_UNSET_VAR_X"], g)
            #expect(unset == 1)
            #expect(unsetOut.contains("aam mcp add: --credential-env: the environment variable AAM_TEST_UNSET_VAR_X is not set or empty"), "\(unsetOut)")

            let (missing, missingOut) = try await aam(base + ["--injection", "bearer", "--credential-file", "/nonexistent/cred"], g)
            #expect(missing == 1)
            #expect(missingOut.contains("aam mcp add: --credential-file: cannot read /nonexistent/cred"), "\(missingOut)")

            let (kind, kindOut) = try await aam(base + ["--injection", "basic", "--credential-env", "X"], g, env: ["X": "v"])
            #expect(kind != 0)
            #expect(kindOut.contains("--injection must be one of bearer, header, oauth-client-credentials, token-exchange, not 'basic'"), "\(kindOut)")

            let (version, versionOut) = try await aam(base + ["--injection", "bearer", "--protocol-version", "2024-11-05", "--credential-env", "X"], g, env: ["X": "v"])
            #expect(version != 0)
            #expect(versionOut.contains("--protocol-version must be one of 2025-11-25, 2026-07-28"), "\(versionOut)")

            // Refused by the admin API: the message names the field, and the secret is not echoed.
            let (header, headerOut) = try await aam(base + ["--injection", "header", "--credential-env", "X"], g, env: ["X": Self.secret])
            #expect(header == 1)
            #expect(headerOut.contains("aam mcp add: 400: ") && headerOut.contains("injection.header"), "\(headerOut)")
            #expect(!headerOut.contains(Self.secret))

            let (first, _) = try await aam(base + ["--injection", "bearer", "--credential-env", "X"], g, env: ["X": Self.secret])
            #expect(first == 0)
            let (duplicate, duplicateOut) = try await aam(base + ["--injection", "bearer", "--credential-env", "X"], g, env: ["X": Self.secret])
            #expect(duplicate == 1)
            #expect(duplicateOut.contains("aam mcp add: 409: ") && duplicateOut.contains("already exists"), "\(duplicateOut)")

            let (unknown, unknownOut) = try await aam(["map", "nosuch", "--tool", "t", "--resource", "r", "--action", "a"], g)
            #expect(unknown == 1)
            #expect(unknownOut.contains("aam mcp map: 404: ") && unknownOut.contains("nosuch"), "\(unknownOut)")
            let (path, pathOut) = try await aam(["map", "crm", "--tool", "t", "--resource", "r", "--action", "a", "--resource-id-from", "a..b"], g)
            #expect(path == 1)
            #expect(pathOut.contains("resourceIdFrom"), "\(pathOut)")

            let (noToken, noTokenOut) = try await aam(["list"], g, env: ["AAM_ADMIN_TOKEN": "wrong"])
            #expect(noToken == 1)
            #expect(noTokenOut.contains("aam mcp list: 401: "), "\(noTokenOut)")
        }
    }
}
