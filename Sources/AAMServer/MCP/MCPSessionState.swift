import AAMCore
import Foundation

/// What a broker session id carries, sealed (`MCPSessions`): everything a replica needs to
/// validate and continue the session without having seen it before.
///
/// The workload identity and server are not in the sealed bytes: they are the binding
/// (authenticated additional data), so the id opens only for the caller and server it was issued
/// to and stays short whatever the length of a SPIFFE id. The bytes hold the negotiated protocol
/// version, issue and expiry times (milliseconds) and the upstream's session id when it fits;
/// a longer upstream id (rare: UUIDs and hashes are far shorter) stays with the replica that
/// received it, and another replica opens its own upstream session (`upstreamHeldLocally`).
struct MCPSessionState: Sendable, Equatable {
    /// Upstream session ids up to this many bytes are sealed into the broker's id (the id then
    /// stays under `MCPSessionSealer.maxTokenLength`: at most 336 bytes, 448 characters).
    static let maxSealedUpstreamID = 255
    static let maxProtocolVersion = 32
    /// Layout of the sealed bytes (a new layout gets a new number and old ids stop opening).
    static let layout: UInt8 = 1

    var spiffeId: String
    var server: String
    var protocolVersion: String
    /// The upstream's session id (nil when the upstream keeps none, or when held locally).
    var upstreamSessionId: String?
    var issuedAt: Date
    var expiresAt: Date
    /// The upstream session id was too long to seal: only the replica that received it knows it.
    var upstreamHeldLocally: Bool
    /// The sealed id's nonce (hex): what a replica remembers of a closed session.
    var nonce = ""

    init(spiffeId: String, server: String, protocolVersion: String, upstreamSessionId: String?, issuedAt: Date, expiresAt: Date) {
        self.spiffeId = spiffeId
        self.server = server
        let version = protocolVersion.utf8
        self.protocolVersion =
            version.count <= Self.maxProtocolVersion && version.allSatisfy({ (0x21...0x7E).contains($0) }) ? protocolVersion : MCPProtocol.sessionVersion
        self.upstreamSessionId = upstreamSessionId
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.upstreamHeldLocally = (upstreamSessionId?.utf8.count ?? 0) > Self.maxSealedUpstreamID
    }

    /// The authenticated binding: identity and server, each length-prefixed (unambiguous).
    static func binding(spiffeId: String, server: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in [spiffeId, server] {
            let utf8 = Array(part.utf8)
            bytes += withUnsafeBytes(of: UInt32(utf8.count).bigEndian, Array.init) + utf8
        }
        return bytes
    }

    /// `layout ‖ issued ms ‖ expires ms ‖ flags ‖ len ‖ version ‖ len ‖ upstream id`.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.layout]
        bytes += Self.milliseconds(issuedAt) + Self.milliseconds(expiresAt)
        bytes.append(upstreamHeldLocally ? 1 : 0)
        let version = Array(protocolVersion.utf8)
        bytes.append(UInt8(version.count))
        bytes += version
        let upstream = upstreamHeldLocally ? [] : Array((upstreamSessionId ?? "").utf8)
        bytes.append(UInt8(upstream.count))
        bytes += upstream
        return bytes
    }

    /// The state sealed in `bytes` for this identity and server; nil if the bytes are not of
    /// this layout (they authenticated, so only a layout change gets here).
    init?(decoding bytes: [UInt8], spiffeId: String, server: String) {
        var reader = bytes[...]
        guard reader.popFirst() == Self.layout, let issued = Self.date(&reader), let expires = Self.date(&reader), let flags = reader.popFirst(),
            let version = Self.string(&reader), let upstream = Self.string(&reader), reader.isEmpty
        else { return nil }
        self.init(
            spiffeId: spiffeId, server: server, protocolVersion: version, upstreamSessionId: upstream.isEmpty ? nil : upstream, issuedAt: issued,
            expiresAt: expires)
        upstreamHeldLocally = flags & 1 == 1
    }

    private static func milliseconds(_ date: Date) -> [UInt8] {
        let ms = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded()))
        return withUnsafeBytes(of: ms.bigEndian, Array.init)
    }

    private static func date(_ reader: inout ArraySlice<UInt8>) -> Date? {
        guard reader.count >= 8 else { return nil }
        let ms = reader.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        reader = reader.dropFirst(8)
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    private static func string(_ reader: inout ArraySlice<UInt8>) -> String? {
        guard let count = reader.popFirst(), reader.count >= Int(count) else { return nil }
        let text = String(decoding: reader.prefix(Int(count)), as: UTF8.self)
        reader = reader.dropFirst(Int(count))
        return text
    }
}
