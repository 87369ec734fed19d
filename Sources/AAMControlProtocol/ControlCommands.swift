import Foundation

// MARK: Commands

/// An operator command. `kind` says which members are required; the daemon answers a missing
/// or wrong member with `error` code `invalid_command` naming it.
public struct ControlCommand: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `provider`
        case drainProvider, undrainProvider
        /// `deployment`
        case drainDeployment, undrainDeployment
        /// `keyId`, `gracePeriodSeconds` (0 = the old secret stops at once)
        case rotateKey
        /// `keyId`
        case revokeKey
        /// `deployment`, `weight` and/or `priority`
        case updateDeployment
        /// `alias`, `provider`, `upstreamModel`, optional `weight`, `priority`
        case addDeployment
        /// `deployment`
        case removeDeployment
        /// `alias`, `fallbacks` (the complete new order)
        case setFallbacks
    }

    public var kind: Kind
    public var provider: String?
    public var deployment: String?
    public var keyId: String?
    public var gracePeriodSeconds: Int?
    public var alias: String?
    public var upstreamModel: String?
    public var weight: Int?
    public var priority: Int?
    public var fallbacks: [String]?

    public init(
        kind: Kind, provider: String? = nil, deployment: String? = nil, keyId: String? = nil, gracePeriodSeconds: Int? = nil,
        alias: String? = nil, upstreamModel: String? = nil, weight: Int? = nil, priority: Int? = nil, fallbacks: [String]? = nil
    ) {
        self.kind = kind
        self.provider = provider
        self.deployment = deployment
        self.keyId = keyId
        self.gracePeriodSeconds = gracePeriodSeconds
        self.alias = alias
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.priority = priority
        self.fallbacks = fallbacks
    }
}

public struct CommandResult: Codable, Sendable, Equatable {
    /// One line for the status bar, e.g. "drained provider openai-east".
    public var message: String
    /// Only on `rotateKey`: the new secret, shown once in a modal and never stored by the console.
    public var newSecret: String?
    public var keyPrefix: String?
    public init(message: String, newSecret: String? = nil, keyPrefix: String? = nil) {
        self.message = message
        self.newSecret = newSecret
        self.keyPrefix = keyPrefix
    }
}
