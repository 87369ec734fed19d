/// The governance scope chain a key spends against: org -> team -> project.
/// (Budgets and limits attach here; see the governance issue.)
public struct Organization: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var name: String?
    /// Governance (all optional; absent in older stored JSON): budgets, requests and tokens
    /// per minute, and the aliases this scope may use (nil means every alias).
    public var budgets: [Budget]?
    public var rpm: Int64?
    public var tpm: Int64?
    public var models: [String]?
    public init(
        id: String, name: String? = nil, budgets: [Budget]? = nil, rpm: Int64? = nil, tpm: Int64? = nil, models: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.budgets = budgets
        self.rpm = rpm
        self.tpm = tpm
        self.models = models
    }
}

public struct Team: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var orgId: String
    public var name: String?
    public var budgets: [Budget]?
    public var rpm: Int64?
    public var tpm: Int64?
    public var models: [String]?
    public init(
        id: String, orgId: String, name: String? = nil, budgets: [Budget]? = nil, rpm: Int64? = nil, tpm: Int64? = nil,
        models: [String]? = nil
    ) {
        self.id = id
        self.orgId = orgId
        self.name = name
        self.budgets = budgets
        self.rpm = rpm
        self.tpm = tpm
        self.models = models
    }
}

public struct Project: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var orgId: String
    public var teamId: String?
    public var name: String?
    public var budgets: [Budget]?
    public var rpm: Int64?
    public var tpm: Int64?
    public var models: [String]?
    public init(id: String, orgId: String, teamId: String? = nil, name: String? = nil) {
        self.id = id
        self.orgId = orgId
        self.teamId = teamId
        self.name = name
        self.budgets = nil
        self.rpm = nil
        self.tpm = nil
        self.models = nil
    }
}

/// Validation of caller-chosen slugs (ids of scopes, providers, aliases, deployments).
public enum Slug {
    /// Letters, digits, `-`, `_`, `.`; 1–64 characters; starts with a letter or digit.
    public static func isValid(_ value: String) -> Bool {
        guard (1...64).contains(value.utf8.count), let first = value.utf8.first else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        let firstIsAlphanumeric = allowed(first) && first != UInt8(ascii: "-") && first != UInt8(ascii: "_")
            && first != UInt8(ascii: ".")
        return firstIsAlphanumeric && value.utf8.allSatisfy(allowed)
    }
}
