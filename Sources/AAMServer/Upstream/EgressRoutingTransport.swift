import AAMCore
import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

/// Sends each vendor call the way the enterprise network wants it: a provider with its own
/// `tls:` material gets a client made with those roots and that client certificate, and a call
/// that goes through a proxy (`proxy:`, `HTTPS_PROXY`) gets an AsyncHTTPClient tunnelling
/// through it with CONNECT; every other call takes the direct transport (the `nio` client by
/// default), untouched and at no extra cost.
///
/// Proxied calls use AsyncHTTPClient because it already speaks CONNECT (and proxy Basic
/// authentication); the own NIO client has no proxy support. TLS-only providers stay on the
/// client kind aamd runs (`make` decides). One client per distinct setting, made on first use
/// and kept (never one per request); all are shut down with the transport.
final class EgressRoutingTransport: OwnedUpstreamTransport {
    let direct: any OwnedUpstreamTransport
    let rule: EgressProxyRule
    private let make: @Sendable (TLSConfiguration?, HTTPClient.Configuration.Proxy?) -> any OwnedUpstreamTransport
    private let clients = Mutex<[Route: any OwnedUpstreamTransport]>([:])

    /// Which client a call needs: its TLS files and its proxy (both nil never reach the table).
    struct Route: Hashable, Sendable {
        var tls: UpstreamTLSSettings?
        var proxy: ProxyAddress?
    }

    init(
        direct: any OwnedUpstreamTransport, rule: EgressProxyRule,
        make: @escaping @Sendable (TLSConfiguration?, HTTPClient.Configuration.Proxy?) -> any OwnedUpstreamTransport
    ) {
        self.direct = direct
        self.rule = rule
        self.make = make
    }

    /// The routes made so far (tests count them).
    var clientCount: Int { clients.withLock { $0.count } }

    func send(_ request: UpstreamRequest, provider: ProviderConfig, credential: SecretValue?) async throws -> UpstreamResponse {
        let tls = provider.tls.flatMap { $0.isEmpty ? nil : $0 }
        // The common case (no TLS files, no proxy anywhere) costs two nil checks.
        if tls == nil, provider.proxy == nil, rule.httpsProxy == nil {
            return try await direct.send(request, provider: provider, credential: credential)
        }
        var proxy: ProxyAddress?
        if provider.proxy != nil || rule.httpsProxy != nil {
            guard let components = URLComponents(string: request.url), let scheme = components.scheme, let host = components.host else {
                throw UpstreamFailure.invalidURL(request.url)
            }
            let port = components.port ?? (scheme.lowercased() == "https" ? 443 : 80)
            proxy = rule.proxy(scheme: scheme, host: host, port: port, providerProxy: provider.proxy)
        }
        guard tls != nil || proxy != nil else { return try await direct.send(request, provider: provider, credential: credential) }
        let client = try client(for: Route(tls: tls, proxy: proxy))
        return try await client.send(request, provider: provider, credential: credential)
    }

    private func client(for route: Route) throws -> any OwnedUpstreamTransport {
        if let client = clients.withLock({ $0[route] }) { return client }
        var tlsConfiguration: TLSConfiguration?
        if let tls = route.tls {
            do { tlsConfiguration = try UpstreamTLSMaterial.configuration(tls) } catch {
                // The files were checked when the config applied; they went away or changed since.
                throw UpstreamFailure.connect("provider \(error.field): \(error.message)")
            }
        }
        let proxy = route.proxy.map { address -> HTTPClient.Configuration.Proxy in
            let authorization = address.username.map { HTTPClient.Authorization.basic(username: $0, password: address.password ?? "") }
            return .server(host: address.host, port: address.port, authorization: authorization)
        }
        let made = make(tlsConfiguration, proxy)
        let (client, spare) = clients.withLock { table -> (any OwnedUpstreamTransport, (any OwnedUpstreamTransport)?) in
            if let existing = table[route] { return (existing, made) }
            table[route] = made
            return (made, nil)
        }
        if let spare { Task { await spare.shutdown() } }  // lost a race with another first call
        return client
    }

    func shutdown() async {
        await direct.shutdown()
        let all = clients.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for client in all { await client.shutdown() }
    }
}
