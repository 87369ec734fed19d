import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which operator-supplied upstream URLs AAM may call: provider `baseURL`, MCP server `url`, an
/// OAuth `tokenURL`, the SIEM endpoints. One rule for every surface (config file, admin API,
/// flags), so a URL refused in one is refused in all.
///
/// `http`/`https` only, with a host and no user info. Loopback (127.0.0.0/8, ::1, `localhost`),
/// link-local (169.254.0.0/16 including the cloud metadata address 169.254.169.254, fe80::/10)
/// and unspecified (0.0.0.0/8, ::) hosts are refused unless the operator allows them
/// (`aamd --allow-loopback-upstreams`, `server.allowLoopbackUpstreams: true`): an admin who can
/// register an upstream must not be able to point AAM's credentials or its network position at
/// the host it runs on or at the metadata service. Every textual form the resolver accepts is
/// recognised (`127.1`, `2130706433`, `0x7f.0.0.1`, `[::ffff:127.0.0.1]`, a trailing dot).
///
/// The limit: a DNS name is judged by its text, so a name that resolves to a refused address
/// (or is re-pointed there later) is not caught here; the outbound client never follows
/// redirects, so a registered host cannot hand AAM on to another one.
public struct OutboundURLPolicy: Sendable, Equatable {
    public var allowLoopback: Bool

    public init(allowLoopback: Bool = false) {
        self.allowLoopback = allowLoopback
    }

    /// The default: loopback, link-local and unspecified upstreams refused.
    public static let strict = OutboundURLPolicy()

    /// Why `url` is not an acceptable upstream URL, or nil when it is.
    public func problem(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return "must be an http(s) URL with a host" }
        if components.user != nil || components.password != nil {
            return "must not contain user info (put the credential in 'credential')"
        }
        return hostProblem(components.percentEncodedHost ?? host) ?? hostProblem(host)
    }

    /// Why a bare host (a name or an address, IPv6 with or without brackets) is refused, or nil.
    public func hostProblem(_ host: String) -> String? {
        guard !allowLoopback, let kind = Self.classify(host) else { return nil }
        return "names a \(kind.rawValue) address; upstreams on loopback, link-local or unspecified addresses are refused "
            + "unless the operator allows them (aamd --allow-loopback-upstreams, or server.allowLoopbackUpstreams: true)"
    }

    public enum Kind: String, Sendable {
        case loopback
        case linkLocal = "link-local"
        case unspecified
        case metadata = "cloud metadata"
    }

    /// The refused class `host` falls in, nil for an ordinary host.
    public static func classify(_ host: String) -> Kind? {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        while name.hasSuffix(".") { name.removeLast() }
        if let zone = name.firstIndex(of: "%") { name = String(name[..<zone]) }
        if name.isEmpty { return .unspecified }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "ip6-localhost" || name == "ip6-loopback" {
            return .loopback
        }
        if name == "metadata.google.internal" { return .metadata }
        if let v4 = ipv4(name) { return classify(v4: v4) }
        if let v6 = ipv6(name) { return classify(v6: v6) }
        return nil
    }

    static func classify(v4 address: UInt32) -> Kind? {
        switch address >> 24 {
        case 127: return .loopback
        case 0: return .unspecified
        case 169 where (address >> 16) & 0xFF == 254: return .linkLocal
        default: return nil
        }
    }

    static func classify(v6 bytes: [UInt8]) -> Kind? {
        guard bytes.count == 16 else { return nil }
        let prefix = bytes[0..<10].allSatisfy { $0 == 0 }
        let tail = bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if prefix, bytes[10] == 0, bytes[11] == 0 {
            if tail == 0 { return .unspecified }
            if tail == 1 { return .loopback }
            return classify(v4: tail)  // IPv4-compatible ::a.b.c.d
        }
        if prefix, bytes[10] == 0xFF, bytes[11] == 0xFF { return classify(v4: tail) }  // IPv4-mapped
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return .linkLocal }
        // AWS's IPv6 instance metadata service, fd00:ec2::254.
        if bytes == [0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54] { return .metadata }
        return nil
    }

    /// An IPv4 address in any form `inet_aton` (and so the resolver) accepts, host byte order.
    static func ipv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
