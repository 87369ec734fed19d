import AAMCore
import Crypto

/// SHA-256 for the admin audit chain (`AuditChain`, `AuditChainVerifier` in AAMCore).
public enum AuditHasher {
    /// Lowercase hex SHA-256 of the canonical bytes.
    public static let sha256: AuditHashFunction = { bytes in KeyHasher.hex(SHA256.hash(data: bytes)) }

    /// A chain hashed with SHA-256.
    public static var chain: AuditChain { AuditChain(hash: sha256) }

    /// A verifier hashing with SHA-256.
    public static func verifier() -> AuditChainVerifier { AuditChainVerifier(hash: sha256) }
}
