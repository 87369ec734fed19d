import AAMCore

/// A config file after parsing, `${ENV}` interpolation and validation: ready to apply.
///
/// Secrets are kept apart from `state` so that nothing holding the state (snapshots, the store,
/// admin responses) ever carries plaintext: the daemon seals `credentials` and hashes
/// `keySecrets` before merging them in.
public struct LoadedConfig: Sendable {
    /// The `server:` section.
    public var server: ServerSettings
    /// Entities declared in the file. Provider credentials are NOT in `state`
    /// (`ProviderConfig.credential` stays nil): they are in `credentials`, to be sealed by the
    /// daemon. Keys have empty `secretHash` and `prefix`, for the daemon to fill from `keySecrets`.
    public var state: ConfigState
    /// Provider name -> plaintext credential, for providers that declare one.
    public var credentials: [String: SecretValue]
    /// Key id -> declared secret of a bootstrap key (always `VirtualKeyFormat.looksValid`).
    public var keySecrets: [String: SecretValue]
    /// The `pricing:` table; nil when the file has no `pricing:` section (prices then stay as
    /// set by `PUT /admin/pricing`). When present it replaces the table at start and on reload.
    public var prices: [ModelPrice]?
    /// The `policies:` section, in file order (each name once).
    public var policies: [ConfigPolicy] = []
    /// MCP server name -> plaintext credential of the servers in `state.mcpServers` (whose
    /// `credential` stays nil), to be sealed by the daemon under `MCPServerConfig.credentialOwner`.
    public var mcpCredentials: [String: SecretValue] = [:]

    public init(
        server: ServerSettings = ServerSettings(), state: ConfigState = ConfigState(),
        credentials: [String: SecretValue] = [:], keySecrets: [String: SecretValue] = [:], prices: [ModelPrice]? = nil
    ) {
        self.prices = prices
        self.server = server
        self.state = state
        self.credentials = credentials
        self.keySecrets = keySecrets
    }
}
