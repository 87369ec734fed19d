/// The governance scope chain a key spends against: org -> team -> project.
/// (Budgets and limits attach here; see the governance issue.)
public struct Organization: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var name: String?
    public init(id: String, name: String? = nil) { self.id = id; self.name = name }
}

public struct Team: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var orgId: String
    public var name: String?
    public init(id: String, orgId: String, name: String? = nil) {
        self.id = id
        self.orgId = orgId
        self.name = name
    }
}

public struct Project: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var orgId: String
    public var teamId: String?
    public var name: String?
    public init(id: String, orgId: String, teamId: String? = nil, name: String? = nil) {
        self.id = id
        self.orgId = orgId
        self.teamId = teamId
        self.name = name
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
