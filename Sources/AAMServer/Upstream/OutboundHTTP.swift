import AsyncHTTPClient
import NIOCore

/// The one place AAM makes HTTP clients for its outbound calls (LLM vendors, MCP servers, OAuth
/// token endpoints, SIEM collectors, the CLI's admin calls).
///
/// Every client made here refuses redirects: a 3xx comes back to the caller as an answer, and
/// `refuseRedirect` turns it into an error naming the status. A followed redirect would carry
/// the request's credential header (AsyncHTTPClient strips only `Authorization`) or an OAuth
/// client secret in the body to whatever host the upstream named, plain HTTP included: a
/// credential leak and an SSRF path. The `aam` CLI uses `shared` too (it carries the admin
/// token). A test (`OutboundClientLintTests`) keeps every other file
/// from making its own client.
public enum OutboundHTTP {
    /// A client with `configure`'s settings and redirects always refused (set after `configure`,
    /// so no caller can turn them back on).
    public static func makeClient(_ configure: (inout HTTPClient.Configuration) -> Void = { _ in }) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configure(&configuration)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The process-wide client for MCP servers and OAuth token endpoints (never shut down, like
    /// `HTTPClient.shared`, which follows redirects and must not be used).
    public static let shared = makeClient()

    /// A redirect answer, refused: nothing was sent to the host it names.
    struct RedirectRefused: Error, Sendable, Equatable {
        var status: UInt
        var message: String { "answered with a redirect (HTTP \(status)); AAM does not follow upstream redirects" }
    }

    /// Throws `RedirectRefused` for a 3xx status.
    static func refuseRedirect(_ status: UInt) throws(RedirectRefused) {
        if (300..<400).contains(status) { throw RedirectRefused(status: status) }
    }
}
