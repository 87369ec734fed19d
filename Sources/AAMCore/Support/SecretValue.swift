/// A secret (vendor credential, virtual key, admin token) held in memory.
///
/// Its `description`, `debugDescription` and `Codable` form never reveal the value, so a secret
/// interpolated into a log line, an error or an admin response by mistake prints `<redacted>`.
/// Only the upstream transport (and key issuance, once) calls `revealForTransport()`.
public struct SecretValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let storage: String

    public init(_ value: String) { self.storage = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// The plaintext. Call only where the value must leave the process for its rightful
    /// recipient (an upstream request header, the one-time key issuance response).
    public func revealForTransport() -> String { storage }

    public var isEmpty: Bool { storage.isEmpty }
}
