import AAMCore

/// Which proxy, if any, a vendor call goes through: the provider's `proxy:` first (`none` means
/// direct), else `HTTPS_PROXY` (or `https_proxy`) of aamd's environment for `https` targets that
/// `NO_PROXY` (or `no_proxy`) does not exempt. Plain-`http` targets are not proxied from the
/// environment (`HTTPS_PROXY` names a proxy for https only; vendors are https).
///
/// `NO_PROXY` as curl and Go read it: a comma list of host names, each matching itself and its
/// subdomains (`example.com` and `.example.com` both match `api.example.com`), IP addresses
/// matched exactly, an optional `:PORT` restricting the entry to that port, `*` for every host.
/// CIDR ranges are not supported.
public struct EgressProxyRule: Sendable, Hashable {
    public var httpsProxy: ProxyAddress?
    var exemptions: [Exemption]
    var exemptAll: Bool

    struct Exemption: Sendable, Hashable {
        var host: String
        var port: Int?
    }

    /// The rule of this environment (aamd reads its own at start).
    public init(environment: [String: String]) {
        let proxyText = environment["HTTPS_PROXY"] ?? environment["https_proxy"]
        httpsProxy = proxyText.flatMap { ProxyAddress(parsing: $0) }
        var exemptions: [Exemption] = []
        var all = false
        for raw in (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "").split(separator: ",") {
            var entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if entry == "*" { all = true }
            if entry.isEmpty || entry == "*" { continue }
            var port: Int?
            if entry.hasPrefix("[") {  // [v6]:port
                if let close = entry.firstIndex(of: "]") {
                    let rest = entry[entry.index(after: close)...]
                    if rest.hasPrefix(":") { port = Int(rest.dropFirst()) }
                    entry = String(entry[entry.index(after: entry.startIndex)..<close])
                }
            } else if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":") {
                port = Int(entry[entry.index(after: colon)...])
                entry = String(entry[..<colon])
            }
            while entry.hasPrefix(".") || entry.hasPrefix("*.") { entry.removeFirst(entry.hasPrefix("*.") ? 2 : 1) }
            if !entry.isEmpty { exemptions.append(Exemption(host: entry, port: port)) }
        }
        self.exemptions = exemptions
        self.exemptAll = all
    }

    /// No environment proxy: every call is direct unless its provider names a proxy.
    public static let none = EgressProxyRule(environment: [:])

    /// The proxy for a call to `scheme://host:port` of a provider whose `proxy:` is `providerProxy`.
    public func proxy(scheme: String, host: String, port: Int, providerProxy: String?) -> ProxyAddress? {
        if let providerProxy {
            return providerProxy == UpstreamEgressRules.direct ? nil : ProxyAddress(parsing: providerProxy)
        }
        guard let httpsProxy, scheme.lowercased() == "https", !exempts(host: host, port: port) else { return nil }
        return httpsProxy
    }

    func exempts(host: String, port: Int) -> Bool {
        if exemptAll { return true }
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        while name.hasSuffix(".") { name.removeLast() }
        return exemptions.contains { exemption in
            if let wanted = exemption.port, wanted != port { return false }
            return name == exemption.host || name.hasSuffix("." + exemption.host)
        }
    }
}
