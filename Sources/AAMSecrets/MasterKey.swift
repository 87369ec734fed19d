import AAMCore
import Crypto
import Foundation

/// The key-encryption key that wraps every data key. Loaded from `AAM_MASTER_KEY` (base64 of 32
/// bytes) or `AAM_MASTER_KEY_FILE`; never stored, never logged.
public struct MasterKey: Sendable, CustomStringConvertible {
    let key: SymmetricKey
    /// A public fingerprint identifying which master key wrapped a data key.
    public let id: String

    public var description: String { "MasterKey(\(id))" }

    public init(rawBytes: [UInt8]) throws(SecretsError) {
        guard rawBytes.count == 32 else {
            throw SecretsError("the master key must be exactly 32 bytes (base64 of 32 random bytes), got \(rawBytes.count)")
        }
        self.key = SymmetricKey(data: rawBytes)
        let digest = SHA256.hash(data: Array("aam-master-key-id".utf8) + rawBytes)
        self.id = "mk_" + digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    public init(base64: String) throws(SecretsError) {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else {
            throw SecretsError("the master key is not valid base64 (expected base64 of 32 random bytes)")
        }
        try self.init(rawBytes: Array(data))
    }

    /// A new random master key, base64-encoded (for `aam demo` and first-time setup).
    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Reads the master key from the environment: `AAM_MASTER_KEY` or `AAM_MASTER_KEY_FILE`.
    public static func fromEnvironment(_ environment: [String: String]) throws(SecretsError) -> MasterKey {
        if let value = environment["AAM_MASTER_KEY"], !value.isEmpty {
            return try MasterKey(base64: value)
        }
        if let path = environment["AAM_MASTER_KEY_FILE"], !path.isEmpty {
            return try fromFile(path)
        }
        throw SecretsError(
            "no master key: set AAM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or AAM_MASTER_KEY_FILE")
    }

    public static func fromFile(_ path: String) throws(SecretsError) -> MasterKey {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw SecretsError("cannot read the master key file \(path)")
        }
        return try MasterKey(base64: String(decoding: contents, as: UTF8.self))
    }
}

public struct SecretsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
