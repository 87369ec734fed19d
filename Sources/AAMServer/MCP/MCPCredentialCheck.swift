import AAMCore
import Foundation

/// At start, every catalogued MCP server's sealed credential must open with the current master
/// key. Otherwise the daemon would start and fail each allowed tool call of that server with a
/// 502; refusing to start names the server (never the secret) while the operator is watching.
enum MCPCredentialCheck {
    static func verify(_ servers: [String: MCPServerConfig], vault: CredentialVault) throws(StartupError) {
        for server in servers.values.sorted(by: { $0.name < $1.name }) {
            guard let sealed = server.credential else { continue }
            do { _ = try vault.open(sealed, owner: MCPServerConfig.credentialOwner(server.name)) } catch {
                throw StartupError(
                    "cannot open the credential of MCP server '\(server.name)' with this master key (\(vault.masterKeyID)): \(error.message); "
                        + "use the master key it was sealed with, or register the server again")
            }
        }
    }
}
