import AAMCore

/// The file's entities as decoded, each with the positions needed to check references between
/// them. Decoders keep an entity whenever its identity is readable, even if other fields are
/// wrong, so one typo does not cascade into "unknown provider" errors elsewhere.
struct DeclaredConfig {
    var server = ServerSettings()
    var providers: [DeclaredProvider] = []
    var deployments: [DeclaredDeployment] = []
    var aliases: [DeclaredAlias] = []
    var orgs: [DeclaredOrg] = []
    var teams: [DeclaredTeam] = []
    var projects: [DeclaredProject] = []
    var keys: [DeclaredKey] = []
    var guardrails: [DeclaredGuardrail] = []
    var workloads: [DeclaredWorkload] = []
    var policies: [DeclaredPolicy] = []
    var mcpServers: [DeclaredMCPServer] = []
    /// The `pricing:` rows; nil when the file has no `pricing:` section.
    var pricing: [ModelPrice]?
}

/// A provider and its plaintext credential, which never enters `ProviderConfig`.
struct DeclaredProvider {
    var name: ScalarValue
    var config: ProviderConfig
    var credential: SecretValue?
}

/// A deployment, with the alias and provider references as written (for reference checks).
struct DeclaredDeployment {
    var id: ScalarValue
    var deployment: Deployment
    var alias: ScalarValue
    var provider: ScalarValue?
}

/// An alias's routing settings, with each fallback as written.
struct DeclaredAlias {
    var name: ScalarValue
    var settings: AliasSettings
    var fallbacks: [ScalarValue]
    var contextWindowFallback: ScalarValue?
}

/// An organization.
struct DeclaredOrg {
    var id: ScalarValue
    var org: Organization
}

/// A team and the org it names.
struct DeclaredTeam {
    var id: ScalarValue
    var team: Team
    var orgId: ScalarValue?
}

/// A project and the org and team it names.
struct DeclaredProject {
    var id: ScalarValue
    var project: Project
    var orgId: ScalarValue?
    var teamId: ScalarValue?
}

/// A bootstrap key: the entity without hash or prefix, its declared secret, and its references.
struct DeclaredKey {
    var id: ScalarValue
    var key: VirtualKey
    var secret: SecretValue?
    /// Where the secret is written, to place "same secret as …" errors.
    var secretField: ScalarValue?
    var orgId: ScalarValue?
    var teamId: ScalarValue?
    var projectId: ScalarValue?
    var models: [ScalarValue]
}
