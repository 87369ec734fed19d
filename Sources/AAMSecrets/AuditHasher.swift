import AAMCore
import Crypto

/// SHA-256 for the legacy (unkeyed) admin audit chain (`AuditChain`, `AuditChainVerifier` in
/// AAMCore). New links are keyed: see `EvidenceChainKeys`.
public enum AuditHasher {
    /// Lowercase hex SHA-256 of the canonical bytes.
    public static let sha256: AuditHashFunction = { bytes in KeyHasher.hex(SHA256.hash(data: bytes)) }

    /// A chain hashed with SHA-256 (legacy links; what an attacker without the key can compute).
    public static var chain: AuditChain { AuditChain(hash: sha256) }

    /// A verifier of legacy SHA-256 links only.
    public static func verifier() -> AuditChainVerifier { AuditChainVerifier(hash: sha256) }

    /// A keyed chain under `keys`' current chain key.
    public static func chain(keys: any EvidenceAuthenticator) -> AuditChain { AuditChain(authenticator: keys) }
}
