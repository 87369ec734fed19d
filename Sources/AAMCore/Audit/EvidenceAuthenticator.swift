/// The keyed primitives the evidence chains are built with: HMAC-SHA256 under a chain key
/// derived from the master key, and SHA-256 (`AAMSecrets.EvidenceChainKeys` in production; AAMCore
/// itself stays free of crypto libraries, so tests inject a fake).
///
/// Every MAC names the key it was made with, so a verifier that holds the keys of earlier
/// master keys (kept sealed under the current one) still verifies links made before a rotation.
public protocol EvidenceAuthenticator: Sendable {
    /// The key id new links are made with (`ck_` and 12 hex digits).
    var currentKeyID: String { get }
    /// Lowercase hex HMAC of `bytes` under the key `keyID`; nil when that key is unknown.
    func mac(_ bytes: [UInt8], keyID: String) -> String?
    /// Lowercase hex SHA-256 of `bytes` (unkeyed: batch digests and the legacy audit chain).
    func digest(_ bytes: [UInt8]) -> String
}

/// The text form of a keyed link: `hmac-sha256:<key id>:<64 hex>`.
///
/// Self-describing, so one `hash` column holds both the legacy unkeyed SHA-256 links (64 hex,
/// written before the chain was keyed) and keyed ones, and the next link's `previousHash`
/// covers the key id as well as the MAC.
public enum EvidenceMAC {
    public static let scheme = "hmac-sha256"

    public static func format(keyID: String, mac: String) -> String { "\(scheme):\(keyID):\(mac)" }

    /// The key id and MAC of a keyed link, or nil when `text` is not in the keyed form.
    public static func parse(_ text: String) -> (keyID: String, mac: String)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Substring(scheme), !parts[1].isEmpty, parts[2].utf8.count == 64 else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// The keyed MAC of `bytes` under the authenticator's current key.
    public static func current(_ bytes: [UInt8], _ authenticator: any EvidenceAuthenticator) -> String {
        let keyID = authenticator.currentKeyID
        return format(keyID: keyID, mac: authenticator.mac(bytes, keyID: keyID) ?? "")
    }

    /// Whether `text` is the keyed MAC of `bytes`: nil when its key is unknown to `authenticator`.
    public static func verify(_ text: String, of bytes: [UInt8], _ authenticator: any EvidenceAuthenticator) -> Bool? {
        guard let (keyID, mac) = parse(text) else { return false }
        guard let expected = authenticator.mac(bytes, keyID: keyID) else { return nil }
        return constantTimeEqual(expected, mac)
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
