import AAMCore
import AAMSecrets
import AAMStoreSQLite
@testable import AAMServer
import Foundation
import Testing

/// At start every catalogued MCP server's credential must open with the current master key; a
/// failure refuses to start and names the server, never the secret.
@Suite struct MCPCredentialCheckTests {
    static let secret = "mcp-cred-NEVER-PRINTED"

    @Test func aCredentialSealedUnderAnotherKeyIsNamedWithoutTheSecret() throws {
        let vault = CredentialVault(master: try MasterKey(base64: MasterKey.generateBase64()))
        let other = CredentialVault(master: try MasterKey(base64: MasterKey.generateBase64()))
        var good = MCPServerConfig(name: "crm", url: "http://127.0.0.1:1/mcp", injection: MCPInjection(type: .bearer))
        good.credential = try vault.seal(SecretValue(Self.secret), owner: MCPServerConfig.credentialOwner("crm"))
        var bad = MCPServerConfig(name: "hr", url: "http://127.0.0.1:1/mcp", injection: MCPInjection(type: .bearer))
        bad.credential = try other.seal(SecretValue(Self.secret), owner: MCPServerConfig.credentialOwner("hr"))
        let empty = MCPServerConfig(name: "none", url: "http://127.0.0.1:1/mcp", injection: MCPInjection(type: .bearer))
        try MCPCredentialCheck.verify(["crm": good, "none": empty], vault: vault)

        #expect {
            try MCPCredentialCheck.verify(["crm": good, "hr": bad], vault: vault)
        } throws: { error in
            let message = (error as? StartupError)?.message ?? ""
            return message.contains("MCP server 'hr'") && message.contains(vault.masterKeyID) && !message.contains(Self.secret)
        }
        // Sealed for another server's name (the owner is bound as AAD): refused too.
        var moved = good
        moved.name = "billing"
        #expect(throws: StartupError.self) { try MCPCredentialCheck.verify(["billing": moved], vault: vault) }
    }

    @Test func theDaemonRefusesToStartNamingTheServer() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-mcpcheck-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:\(directory.path)/aam.db"
        let master = MasterKey.generateBase64()
        let first = try await GatewayHarness.start(database: database, masterKey: master)
        do {
            try await first.adminOK(
                .POST, "/admin/mcp-servers", json: #"{"name":"crm","url":"http://127.0.0.1:9/mcp","credential":"\#(Self.secret)","injection":{"type":"bearer"}}"#)
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        // The stored credential replaced by one sealed under a foreign key (the pepper still opens).
        let store = try await SQLiteStore.open(path: "\(directory.path)/aam.db")
        do {
            var server = try #require(try await store.loadState().mcpServers["crm"])
            let foreign = CredentialVault(master: try MasterKey(base64: MasterKey.generateBase64()))
            server.credential = try foreign.seal(SecretValue(Self.secret), owner: MCPServerConfig.credentialOwner("crm"))
            try await store.save(server, kind: .mcpServer, id: "crm")
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()

        await #expect {
            let harness = try await GatewayHarness.start(database: database, masterKey: master)
            await harness.stop()
        } throws: { error in
            let message = (error as? StartupError)?.message ?? ""
            return message.contains("cannot open the credential of MCP server 'crm'") && !message.contains(Self.secret)
        }
    }
}
