import AAMCore
import AAMSecrets
import Foundation
import Testing

@testable import AAMServer

/// The MCP tool catalog admin API against a real gateway: credentials sealed and never
/// returned, tool mappings, field errors with "did you mean", persistence through the config
/// store and the admin audit trail.
@Suite struct MCPServerAdminTests {
    static let secret = "tool-credential-SECRET-51f0"

    @Test func registerMapListAndDeleteWithoutEverReturningTheCredential() async throws {
        try await withGateway { g in
            let created = try await g.admin(
                .POST, "/admin/mcp-servers",
                json: #"{"name":"crm","url":"http://127.0.0.1:9/mcp","credential":"\#(Self.secret)","injection":{"type":"bearer"}}"#)
            #expect(created.status == 201, "\(created.text)")
            #expect(!created.text.contains(Self.secret))
            let view = try created.json()
            #expect(view["credentialSet"] as? Bool == true)
            #expect((view["credentialFingerprint"] as? String)?.hasPrefix("hmac:") == true)
            #expect(view["protocolVersion"] as? String == "2025-11-25")

            let mapped = try await g.adminOK(
                .POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"get_account","resource":"salesforce.accounts","action":"read","resourceIdFrom":"id"}"#)
            let tools = try #require(mapped["tools"] as? [[String: Any]])
            #expect(tools.count == 1)
            #expect(tools.first?["resource"] as? String == "salesforce.accounts")

            let listed = try await g.admin(.GET, "/admin/mcp-servers")
            #expect(listed.status == 200)
            #expect(listed.text.contains("get_account"))
            #expect(!listed.text.contains(Self.secret))

            let duplicate = try await g.admin(
                .POST, "/admin/mcp-servers", json: #"{"name":"crm","url":"http://127.0.0.1:9/mcp","credential":"x","injection":{"type":"bearer"}}"#)
            #expect(duplicate.status == 409)

            let audit = try await g.admin(.GET, "/admin/audit?limit=100")
            #expect(audit.text.contains("mcp_server.create"))
            #expect(audit.text.contains("mcp_server.tool.map"))
            #expect(!audit.text.contains(Self.secret))

            let deleted = try await g.admin(.DELETE, "/admin/mcp-servers/crm")
            #expect(deleted.status == 204)
            #expect(try await g.admin(.GET, "/admin/mcp-servers/crm").status == 404)
            #expect(try await g.admin(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"t","resource":"r","action":"a"}"#).status == 404)
        }
    }

    @Test func badInputNamesTheField() async throws {
        try await withGateway { g in
            let cases: [(String, String, String)] = [
                (#"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"bearer"},"protocolVersio":"2025-11-25"}"#, "protocolVersio", "did you mean 'protocolVersion'"),
                (#"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"header","heder":"X-Key"}}"#, "injection.heder", "did you mean 'header'"),
                (#"{"name":"a","url":"ftp://h","credential":"c","injection":{"type":"bearer"}}"#, "url", "http(s)"),
                (#"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"magic"}}"#, "injection.type", "unknown injection type"),
                (#"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"header"}}"#, "injection.header", "is required"),
                (#"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"oauth-client-credentials","clientId":"x"}}"#, "injection.tokenURL", "is required"),
                (#"{"name":"a","url":"http://h/mcp","injection":{"type":"bearer"}}"#, "credential", "is required"),
                (#"{"name":"a","url":"http://h/mcp","credential":"c","protocolVersion":"1999","injection":{"type":"bearer"}}"#, "protocolVersion", "must be one of"),
            ]
            for (body, field, message) in cases {
                let reply = try await g.admin(.POST, "/admin/mcp-servers", json: body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                let error = try reply.json()["error"] as? [String: Any]
                #expect(error?["param"] as? String == field, "\(body): \(reply.text)")
                #expect(reply.text.contains(message), "\(body): \(reply.text)")
            }
            try await g.adminOK(.POST, "/admin/mcp-servers", json: #"{"name":"a","url":"http://h/mcp","credential":"c","injection":{"type":"bearer"}}"#)
            let typo = try await g.admin(.POST, "/admin/mcp-servers/a/tools", json: #"{"tool":"t","resource":"r","acton":"read"}"#)
            #expect(typo.status == 400)
            #expect(typo.text.contains("did you mean 'action'"), "\(typo.text)")
        }
    }

    @Test func theCatalogIsPersistedAndItsCredentialIsRewrappedWithTheMasterKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-mcp-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let oldMaster = MasterKey.generateBase64(), newMaster = MasterKey.generateBase64()
        let newKeyFile = directory.appendingPathComponent("new.key").path
        try Data(newMaster.utf8).write(to: URL(fileURLWithPath: newKeyFile))
        let first = try await GatewayHarness.start(database: database, masterKey: oldMaster)
        do {
            try await first.adminOK(
                .POST, "/admin/mcp-servers", json: #"{"name":"crm","url":"http://127.0.0.1:9/mcp","credential":"\#(Self.secret)","injection":{"type":"bearer"}}"#)
            try await first.adminOK(.POST, "/admin/mcp-servers/crm/tools", json: #"{"tool":"get_account","resource":"salesforce.accounts","action":"read"}"#)
            let result = try await first.adminOK(.POST, "/admin/master-key/rewrap", json: #"{"newKeyFile":"\#(newKeyFile)"}"#)
            #expect(result["rewrappedCredentials"] as? Int == 1)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()

        let second = try await GatewayHarness.start(database: database, masterKey: newMaster)
        do {
            let server = try #require(await second.gateway.runtime.registry.currentState.mcpServers["crm"])
            #expect(server.tools["get_account"]?.action == "read")
            let sealed = try #require(server.credential)
            #expect(sealed.masterKeyID == (try MasterKey(base64: newMaster)).id)
            let opened = try second.gateway.runtime.vault.open(sealed, owner: MCPServerConfig.credentialOwner("crm"))
            #expect(opened.revealForTransport() == Self.secret)
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
    }
}
