import Crypto
import Foundation

/// Seals the state of an MCP broker session into the session id itself, so any replica that
/// holds the same master key can continue a session another replica started (no shared memory,
/// no database read per message).
///
/// The key is derived from the master key with HKDF-SHA256 under its own salt and info label
/// (`aam mcp session v1`), so it is independent of every other use of the master key. A token is
/// `base64url(format ‖ AES-256-GCM nonce ‖ ciphertext ‖ tag)` without padding; `binding` (the
/// workload identity and server, chosen by the caller) is authenticated as additional data, so
/// a token opens only for the identity and server it was issued to and carries neither in clear.
/// The random 96-bit nonce doubles as the token's identity (`Opened.nonce`), which a replica can
/// remember when the session is closed.
public struct MCPSessionSealer: Sendable {
    static let salt = Array("aam-mcp-session".utf8)
    static let info = Array("aam mcp session v1".utf8)
    /// Leading byte of every token: a later layout gets a new one, and old tokens stop opening.
    static let format: UInt8 = 1
    /// Tokens longer than this are refused before any decoding (a header is attacker-sized).
    public static let maxTokenLength = 512

    /// The master key id this sealer's key was derived from.
    public let masterKeyID: String
    private let key: SymmetricKey

    public init(master: MasterKey) {
        masterKeyID = master.id
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, salt: Self.salt, info: Self.info, outputByteCount: 32)
    }

    public struct Opened: Sendable, Equatable {
        public var plaintext: [UInt8]
        /// The token's 12-byte nonce, hex (unique per token whatever its base64 spelling).
        public var nonce: String
    }

    /// The token for `plaintext` bound to `binding`, and its nonce; nil when it would be longer
    /// than `maxTokenLength` (the caller keeps less in it) or sealing failed.
    public func seal(_ plaintext: [UInt8], binding: [UInt8]) -> (token: String, nonce: String)? {
        guard let box = try? AES.GCM.seal(plaintext, using: key, authenticating: Self.aad(binding)), let combined = box.combined else { return nil }
        let token = Self.base64URL([Self.format] + Array(combined))
        guard token.utf8.count <= Self.maxTokenLength else { return nil }
        return (token, KeyHasher.hex(Array(combined).prefix(12)))
    }

    /// The plaintext of `token` if it was sealed by this key for `binding` and is untouched; nil
    /// for anything else (tampered, another key, another binding, not a token).
    public func open(_ token: String, binding: [UInt8]) -> Opened? {
        guard token.utf8.count <= Self.maxTokenLength, let bytes = Self.decodeBase64URL(token), bytes.count >= 1 + 12 + 16,
            bytes[0] == Self.format
        else { return nil }
        let combined = Array(bytes.dropFirst())
        guard let box = try? AES.GCM.SealedBox(combined: combined),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: Self.aad(binding))
        else { return nil }
        return Opened(plaintext: Array(plaintext), nonce: KeyHasher.hex(combined.prefix(12)))
    }

    static func aad(_ binding: [UInt8]) -> [UInt8] { info + [0, format] + binding }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Strict base64url without padding: any other character (`+`, `/`, `=`, space) is refused.
    static func decodeBase64URL(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }),
            text.utf8.count % 4 != 1
        else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
