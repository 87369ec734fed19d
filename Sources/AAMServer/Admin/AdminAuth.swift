import AAMCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Checks `Authorization: Bearer <AAM_ADMIN_TOKEN>` in constant time. With no token configured
/// the admin API is disabled.
struct AdminAuth: Sendable {
    private let tokenDigest: [UInt8]?
    /// A public identifier of the token for the audit trail (never the token).
    let actorID: String

    init(token: SecretValue?) {
        if let token, !token.isEmpty {
            let digest = Array(SHA256.hash(data: Array(token.revealForTransport().utf8)))
            tokenDigest = digest
            actorID = "admin:" + digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        } else {
            tokenDigest = nil
            actorID = "admin:none"
        }
    }

    var enabled: Bool { tokenDigest != nil }

    func check(_ request: Request) throws(AdminError) {
        guard let expected = tokenDigest else {
            throw AdminError(status: 403, "the admin API is disabled: start aamd with AAM_ADMIN_TOKEN set", code: .adminDisabled)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw AdminError(status: 401, "missing admin token (Authorization: Bearer $AAM_ADMIN_TOKEN)", code: .invalidAdminToken)
        }
        let presented = Array(SHA256.hash(data: Array(header.dropFirst(7).utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(presented, expected) { difference |= a ^ b }
        guard difference == 0 else { throw AdminError(status: 401, "invalid admin token", code: .invalidAdminToken) }
    }
}
