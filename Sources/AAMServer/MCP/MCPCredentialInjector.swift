import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Produces the upstream credential header of an allowed tool call from the server's sealed
/// credential: as is (bearer or a custom header), or as an OAuth access token obtained with it
/// (client credentials, or RFC 8693 token exchange on behalf of the workload).
///
/// Access tokens are cached until shortly before they expire, per server and credential (and
/// per workload for token exchange), so a burst of calls costs one token request. The lock is
/// never held across the token request; two concurrent misses may both fetch (harmless).
final class MCPCredentialInjector: Sendable {
    struct Header: Sendable {
        var name: String
        var value: String
        /// Secrets to redact from what the tool answers (the credential and any derived token).
        var secrets: [String]
    }

    private struct CachedToken {
        var token: String
        var expires: Date
    }

    private let tokens = Mutex<[String: CachedToken]>([:])
    private let vault: CredentialVault
    private let clock: any WallClock

    init(vault: CredentialVault, clock: any WallClock) {
        self.vault = vault
        self.clock = clock
    }

    func header(for server: MCPServerConfig, workload: WorkloadIdentity) async throws(MCPError) -> Header {
        guard let sealed = server.credential else { throw MCPError(status: 502, code: -32603, message: "MCP server '\(server.name)' has no credential") }
        let credential: String
        do { credential = try vault.open(sealed, owner: MCPServerConfig.credentialOwner(server.name)).revealForTransport() } catch {
            throw MCPError(status: 502, code: -32603, message: "the credential of MCP server '\(server.name)' cannot be opened")
        }
        switch server.injection.type {
        case .bearer:
            return Header(name: "Authorization", value: "Bearer \(credential)", secrets: [credential])
        case .header:
            return Header(name: server.injection.header ?? "X-Api-Key", value: credential, secrets: [credential])
        case .oauthClientCredentials, .tokenExchange:
            let exchange = server.injection.type == .tokenExchange
            let cacheKey = "\(server.name)|\(sealed.fingerprint)|\(exchange ? workload.spiffeID.description : "")"
            let now = clock.now()
            if let cached = tokens.withLock({ $0[cacheKey] }), cached.expires > now {
                return Header(name: "Authorization", value: "Bearer \(cached.token)", secrets: [credential, cached.token])
            }
            let (token, lifetime) = try await fetchToken(server, secret: credential, subject: exchange ? workload.spiffeID.description : nil)
            // Refreshed 30 s early so a token never expires between the check and its use upstream.
            let expires = now.addingTimeInterval(max(0, lifetime - 30))
            tokens.withLock { cache in
                if cache.count >= 4096 { cache.removeAll() }
                cache[cacheKey] = CachedToken(token: token, expires: expires)
            }
            return Header(name: "Authorization", value: "Bearer \(token)", secrets: [credential, token])
        }
    }

    /// POSTs a form to the token endpoint: client credentials, or a token exchange whose subject
    /// is the workload's SPIFFE ID (`subject_token_type` `urn:ietf:params:oauth:token-type:spiffe-id`).
    private func fetchToken(_ server: MCPServerConfig, secret: String, subject: String?) async throws(MCPError) -> (String, TimeInterval) {
        var form: [(String, String)] = [("client_id", server.injection.clientId ?? ""), ("client_secret", secret)]
        if let subject {
            form += [
                ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("subject_token", subject),
                ("subject_token_type", "urn:ietf:params:oauth:token-type:spiffe-id"),
                ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("audience", server.url),
            ]
        } else {
            form.append(("grant_type", "client_credentials"))
        }
        if let scope = server.injection.scope { form.append(("scope", scope)) }
        let body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: server.injection.tokenURL ?? "")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await OutboundHTTP.shared.execute(request, timeout: .seconds(10))
            do { try OutboundHTTP.refuseRedirect(response.status.code) } catch {
                throw MCPError(status: 502, code: -32603, message: "the token endpoint of MCP server '\(server.name)' \(error.message)")
            }
            let bytes = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 200,
                case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)),
                let token = object["access_token"]?.stringValue, !token.isEmpty
            else { throw MCPError(status: 502, code: -32603, message: "the token endpoint of MCP server '\(server.name)' refused (HTTP \(response.status.code))") }
            var lifetime: TimeInterval = 300
            if case .number(let seconds)? = object["expires_in"] { lifetime = seconds }
            return (token, lifetime)
        } catch let error as MCPError {
            throw error
        } catch {
            throw MCPError(status: 502, code: -32603, message: "the token endpoint of MCP server '\(server.name)' is unreachable")
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
