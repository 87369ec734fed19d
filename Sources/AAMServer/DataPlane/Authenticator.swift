import AAMCore
import HTTPTypes
import Hummingbird

/// The identity a data-plane handler acts for. The only way to get one is `authenticate`,
/// which throws for a missing, unknown, expired, revoked or rotated-out key, so no handler can
/// run without an identity.
struct AuthenticatedCaller: Sendable {
    let key: VirtualKey
    let snapshot: ConfigSnapshot

    /// Reads `Authorization: Bearer` (or `x-api-key` where the Anthropic API allows it),
    /// hashes it with the pepper and looks it up in the in-memory snapshot: no database.
    init(request: Request, runtime: GatewayRuntime, allowXAPIKey: Bool) throws(GatewayError) {
        let snapshot = runtime.snapshots.snapshot
        var presented: Substring?
        if let header = request.headers[.authorization] {
            let value = header[...]
            if value.count > 7, value.prefix(7).lowercased() == "bearer " {
                presented = value.dropFirst(7).drop(while: { $0 == " " })
            }
        }
        if presented == nil, allowXAPIKey, let header = request.headers[Self.xAPIKey] {
            presented = header[...]
        }
        guard let token = presented, !token.isEmpty else { throw .missingKey }
        let secret = String(token)
        guard VirtualKeyFormat.looksValid(secret), let entry = snapshot.keysByHash[runtime.keys.hash(secret)] else {
            throw .invalidKey(.unknown)
        }
        let now = runtime.clock.now()
        if let refusal = entry.key.refusal(at: now, viaGraceSecret: entry.viaGrace) {
            throw .invalidKey(refusal)
        }
        runtime.keyUsage.touch(entry.key.id, at: now)
        self.key = entry.key
        self.snapshot = snapshot
    }

    static let xAPIKey = HTTPField.Name("x-api-key")!
}
