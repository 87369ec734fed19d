import AAMCore
import Foundation
import Testing

/// The real `aam` binary's resource commands against a gateway on loopback: providers,
/// deployments, aliases, keys, calls and usage, each in its table (a header, aligned columns)
/// and in `-o json` (the admin API's JSON, parsed here), and never a secret where none belongs.
@Suite struct CLIResourceCommandsTests {
    static let upstreamSecret = "sk-upstream-CLI-SECRET-77q"
    static let chat = #"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#

    func aam(_ arguments: [String], _ g: GatewayHarness, env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> AAMCommandRun
    {
        let run = try await AAMCommandRun.run(arguments, url: g.baseURL, environment: env)
        #expect(run.status == 0, "aam \(arguments.joined(separator: " ")): \(run.all)", sourceLocation: sourceLocation)
        return run
    }

    @Test func providersDeploymentsAndAliasesInTablesAndJSON() async throws {
        try await PolicyAdminTests.withGateway { g in
            let added = try await aam(["providers", "add", "sim", "--protocol", "simulated"], g)
            #expect(added.table().map { $0["NAME"] } == ["sim"], "\(added.stdout)")
            #expect(added.table().first?["PROTOCOL"] == "simulated")

            // A credential only from the environment or a file; the output has its fingerprint only.
            let secretProvider = try await aam(
                ["providers", "add", "vendor", "--protocol", "openai", "--base-url", "https://api.example.invalid", "--credential-env", "UPSTREAM_CRED"], g,
                env: ["UPSTREAM_CRED": Self.upstreamSecret])
            let row = try #require(secretProvider.table().first)
            #expect(row["CREDENTIAL"] != "-" && row["BASE URL"] == "https://api.example.invalid", "\(secretProvider.stdout)")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("aam-cli-cred-\(Identifiers.random(8))")
            try Data("sk-upstream-next\n".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let replaced = try await aam(["providers", "credential", "vendor", "--credential-file", file.path, "-o", "json"], g)
            let replacedJSON = try #require(try replaced.json() as? [String: Any])
            #expect(replacedJSON["credentialSet"] as? Bool == true)
            #expect(replacedJSON["credentialFingerprint"] as? String != row["CREDENTIAL"], "a new credential, a new fingerprint")
            let shown = try await aam(["providers", "show", "vendor"], g)
            let fields = Dictionary(uniqueKeysWithValues: shown.table().map { ($0["FIELD"] ?? "", $0["VALUE"] ?? "") })
            #expect(fields["PROTOCOL"] == "openai" && fields["CREDENTIAL"] == replacedJSON["credentialFingerprint"] as? String, "\(shown.stdout)")
            for run in [added, secretProvider, replaced, shown] { #expect(!run.all.contains(Self.upstreamSecret) && !run.all.contains("sk-upstream-next")) }

            let deployment = try await aam(["deployments", "add", "--alias", "fast", "--provider", "sim", "--model", "sim-model", "--id", "fast-1", "--weight", "2"], g)
            #expect(
                deployment.table() == [
                    ["ID": "fast-1", "ALIAS": "fast", "PROVIDER": "sim", "MODEL": "sim-model", "WEIGHT": "2", "PRIORITY": "0", "DRAINED": "no"]
                ], "\(deployment.stdout)")
            #expect(deployment.stdout.hasPrefix("ID      ALIAS  PROVIDER  MODEL      WEIGHT  PRIORITY  DRAINED\n"), "\(deployment.stdout)")
            _ = try await aam(["deployments", "add", "--alias", "slow", "--provider", "sim", "--model", "sim-slow", "--id", "slow-1"], g)
            let changed = try await aam(["deployments", "set", "fast-1", "--weight", "5", "--rpm", "600"], g)
            #expect(changed.table().first?["WEIGHT"] == "5", "\(changed.stdout)")
            let drained = try await aam(["deployments", "drain", "fast-1"], g)
            #expect(drained.table().first?["DRAINED"] == "yes", "\(drained.stdout)")
            #expect(await g.gateway.runtime.registry.currentState.deployments["fast-1"]?.drained == true)
            let undrained = try await aam(["deployments", "undrain", "fast-1"], g)
            #expect(undrained.table().first?["DRAINED"] == "no", "\(undrained.stdout)")
            let onlyFast = try #require(try await aam(["deployments", "list", "--alias", "fast", "-o", "json"], g).json() as? [[String: Any]])
            #expect(onlyFast.map { $0["id"] as? String } == ["fast-1"])
            #expect(onlyFast.first?["rpm"] as? Int == 600 && onlyFast.first?["weight"] as? Int == 5)
            let all = try await aam(["deployments", "list"], g)
            #expect(all.table().map { $0["ID"] } == ["fast-1", "slow-1"], "\(all.stdout)")
            let one = try await aam(["deployments", "show", "fast-1"], g)
            #expect(one.table().contains(["FIELD": "RPM", "VALUE": "600"]), "\(one.stdout)")

            let routed = try await aam(["aliases", "set", "fast", "--strategy", "priority", "--fallbacks", "slow", "--retries", "2", "--timeout-ms", "30000"], g)
            #expect(
                routed.table() == [
                    ["NAME": "fast", "STRATEGY": "priority", "FALLBACKS": "slow", "RETRIES": "2", "TIMEOUT MS": "30000", "DEPLOYMENTS": "fast-1"]
                ], "\(routed.stdout)")
            // Only the settings given change.
            _ = try await aam(["aliases", "set", "fast", "--retries", "1"], g)
            let alias = try #require(try await aam(["aliases", "show", "fast", "-o", "json"], g).json() as? [String: Any])
            #expect(alias["strategy"] as? String == "priority" && alias["retries"] as? Int == 1 && alias["fallbacks"] as? [String] == ["slow"])
            let aliases = try await aam(["aliases", "list"], g)
            #expect(aliases.table().map { $0["NAME"] } == ["fast", "slow"], "\(aliases.stdout)")

            // Refusals: by the CLI before any request, and by the admin API naming the problem.
            let badStrategy = try await AAMCommandRun.run(["aliases", "set", "fast", "--strategy", "fastest"], url: g.baseURL)
            #expect(badStrategy.status != 0 && badStrategy.stderr.contains("--strategy must be one of weighted, priority, least-latency, least-busy"), "\(badStrategy.all)")
            let inUse = try await AAMCommandRun.run(["aliases", "delete", "slow"], url: g.baseURL)
            #expect(inUse.status == 1 && inUse.stderr.contains("409") && inUse.stderr.contains("fallback of fast"), "\(inUse.all)")
            let missing = try await AAMCommandRun.run(["deployments", "show", "nosuch"], url: g.baseURL)
            #expect(missing.status == 1 && missing.stderr.contains("404"), "\(missing.all)")
            let noSecretFlag = try await AAMCommandRun.run(["providers", "add", "x", "--protocol", "openai", "--credential", Self.upstreamSecret], url: g.baseURL)
            #expect(noSecretFlag.status != 0 && noSecretFlag.stderr.contains("--credential"), "\(noSecretFlag.all)")

            // The status report, through the control socket, as JSON.
            let status = try await aam(["status", "--socket", g.controlSocketPath, "-o", "json"], g)
            let snapshot = try #require(try status.json() as? [String: Any])
            #expect((snapshot["providers"] as? [[String: Any]])?.compactMap { $0["deployment"] as? String }.sorted() == ["fast-1", "slow-1"], "\(status.stdout)")
            #expect((snapshot["status"] as? [String: Any])?["deployments"] as? Int == 2)

            // Without a control socket (none in the temporary directory it runs in), over the admin API.
            let overAPI = try await aam(["status"], g)
            let sections = overAPI.stdout.components(separatedBy: "\n\n")
            #expect(sections.count == 3 && sections[0] == "daemon \(g.baseURL): ready", "\(overAPI.stdout)")
            #expect(AAMCommandRun.table(sections.count == 3 ? sections[1] : "").map { $0["NAME"] } == ["sim", "vendor"], "\(overAPI.stdout)")
            #expect(AAMCommandRun.table(sections.count == 3 ? sections[2] : "").map { $0["NAME"] } == ["fast", "slow"], "\(overAPI.stdout)")
            let overAPIJSON = try #require(try await aam(["status", "-o", "json"], g).json() as? [String: Any])
            #expect(overAPIJSON["ready"] as? Bool == true && (overAPIJSON["aliases"] as? [Any])?.count == 2, "\(overAPIJSON)")

            let deleted = try await aam(["deployments", "delete", "slow-1"], g)
            #expect(deleted.stdout == "deployment slow-1 deleted\n")
            _ = try await aam(["aliases", "set", "fast", "--fallbacks", ""], g)
            #expect(try await aam(["aliases", "delete", "fast"], g).stdout == "alias fast deleted\n")
            #expect(await g.gateway.runtime.registry.currentState.deployments["fast-1"] == nil, "an alias takes its deployments with it")
            #expect(try await aam(["providers", "delete", "vendor"], g).stdout == "provider vendor deleted\n")
            let left = try #require(try await aam(["providers", "list", "-o", "json"], g).json() as? [[String: Any]])
            #expect(left.map { $0["name"] as? String } == ["sim"])
            let empty = try await aam(["deployments", "list"], g)
            #expect(empty.stdout.isEmpty && empty.stderr == "no deployments\n", "\(empty.all)")
            #expect(try await aam(["deployments", "list", "-o", "json"], g).json() as? [Any] != nil)
        }
    }

    @Test func keysCallsAndUsageInTablesAndJSON() async throws {
        try await PolicyAdminTests.withGateway { g in
            try await g.adminOK(.POST, "/admin/providers", json: #"{"name":"sim","protocol":"simulated","simulation":{"ttftMs":1,"tokensPerSecond":50000,"completionTokens":5,"errorRate":0}}"#)
            try await g.addDeployment(alias: "fast", provider: "sim", model: "sim-model", id: "fast-1")

            // The secret is printed once, by create; never by list or show.
            let created = try await aam(["keys", "create", "--org", "acme", "--team", "web", "--name", "laptop"], g)
            let secret = try #require(created.stdout.split(separator: "\n").last.flatMap { $0.split(separator: " ").last }.map(String.init))
            #expect(secret.hasPrefix("sk-aam-") && created.stdout.contains("secret (shown only this once; store it now): \(secret)"), "\(created.stdout)")
            // The key's row, a blank line, then its secret.
            let keyRow = try #require(AAMCommandRun.table(created.stdout.components(separatedBy: "\n\n")[0]).first)
            let keyID = try #require(keyRow["ID"])
            #expect(keyRow["ORG"] == "acme" && keyRow["TEAM"] == "web" && keyRow["NAME"] == "laptop" && keyRow["STATUS"] == "active", "\(created.stdout)")
            let createdJSON = try #require(try await aam(["keys", "create", "--org", "acme", "--team", "ops", "-o", "json"], g).json() as? [String: Any])
            #expect((createdJSON["key"] as? String)?.hasPrefix("sk-aam-") == true && createdJSON["teamId"] as? String == "ops")

            let reply = try await g.call("/v1/chat/completions", key: secret, json: Self.chat)
            #expect(reply.status == 200, "\(reply.text)")
            let requestID = try #require(reply.header("x-request-id"))

            let list = try await aam(["keys", "list"], g)
            #expect(list.table().map { $0["ID"] } == [keyID, createdJSON["id"] as? String], "\(list.stdout)")
            let show = try await aam(["keys", "show", keyID], g)
            let fields = Dictionary(uniqueKeysWithValues: show.table().map { ($0["FIELD"] ?? "", $0["VALUE"] ?? "") })
            #expect(fields["ID"] == keyID && fields["STATUS"] == "active" && fields["LAST USED"] != "-", "\(show.stdout)")
            let shownJSON = try #require(try await aam(["keys", "show", keyID, "-o", "json"], g).json() as? [String: Any])
            #expect(shownJSON["id"] as? String == keyID && shownJSON["key"] == nil)
            for run in [list, show] { #expect(!run.all.contains(secret)) }

            let calls = try await aam(["calls", "list"], g)
            let call = try #require(calls.table().first { $0["REQUEST ID"] == requestID }, "\(calls.stdout)")
            #expect(call["KEY"] == keyID && call["ALIAS"] == "fast" && call["PROVIDER"] == "sim" && call["STATUS"] == "200", "\(call)")
            #expect(call["TOKENS"]?.hasSuffix("+5") == true, "\(call)")
            let callJSON = try #require(try await aam(["calls", "show", requestID, "-o", "json"], g).json() as? [String: Any])
            #expect(callJSON["requestId"] as? String == requestID && callJSON["completionTokens"] as? Int == 5)
            let recent = try #require(try await aam(["calls", "list", "--since", "1h", "-o", "json"], g).json() as? [[String: Any]])
            #expect(recent.map { $0["requestId"] as? String } == [requestID])
            let future = try await aam(["calls", "list", "--since", "2999-01-01T00:00:00Z"], g)
            #expect(future.stdout.isEmpty && future.stderr == "no call records\n", "\(future.all)")

            let byKey = try await aam(["usage", "--by", "key"], g)
            #expect(byKey.table().first { $0["KEY"] == keyID }?["CALLS"] == "1", "\(byKey.stdout)")
            let byTeam = try #require(try await aam(["usage", "--by", "team", "--from", "1h", "-o", "json"], g).json() as? [String: Any])
            #expect(byTeam["groupBy"] as? String == "team")
            let groups = byTeam["groups"] as? [[String: Any]] ?? []
            #expect(groups.map { $0["group"] as? String } == ["web"] && groups.first?["completionTokens"] as? Int == 5, "\(byTeam)")
            let badWindow = try await AAMCommandRun.run(["usage", "--from", "yesterday"], url: g.baseURL)
            #expect(badWindow.status != 0 && badWindow.stderr.contains("--from must be an ISO 8601 date"), "\(badWindow.all)")

            let revoked = try await aam(["keys", "revoke", keyID, "-o", "json"], g)
            #expect((try revoked.json() as? [String: Any])?["status"] as? String == "revoked", "\(revoked.stdout)")

            // Every other listing prints JSON that parses, and a table with a header.
            for command in [["policy", "list"], ["mcp", "list"], ["audit", "list"], ["providers", "list"], ["aliases", "list"]] {
                let json = try await aam(command + ["-o", "json"], g)
                #expect((try? json.json()) != nil, "\(command): \(json.stdout)")
            }
            let audit = try await aam(["audit", "list", "--action", "key.revoke"], g)
            #expect(audit.table().map { $0["TARGET"] } == ["key:\(keyID)"], "\(audit.stdout)")
        }
    }
}
