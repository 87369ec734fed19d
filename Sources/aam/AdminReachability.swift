import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Sends an admin request and turns a transport failure into a sentence an operator can act
/// on (`nothing is listening at http://127.0.0.1:8080: is aamd running? …`) instead of NIO's
/// `connection reset (error set): Connection refused (errno: 111)`.
enum AdminReachability {
    static func execute(_ request: HTTPClientRequest, baseURL: String, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await OutboundHTTP.shared.execute(request, timeout: timeout)
        } catch {
            throw CLIError(explain(error, baseURL: baseURL, timeout: timeout))
        }
    }

    /// The operator's sentence for a failure to reach `baseURL` (pure; tested on NIO's errors).
    static func explain(_ error: any Error, baseURL: String, timeout: TimeAmount) -> String {
        let hint = "is aamd running, and is this its admin address? (--url or AAM_URL; with --admin-listen the admin API has its own port)"
        if let client = error as? HTTPClientError {
            if [.invalidURL, .emptyHost, .emptyScheme].contains(client) || "\(client)".contains("unsupportedScheme") {
                return "\(baseURL) is not a usable admin API URL (expected http://HOST:PORT or https://HOST:PORT)"
            }
            if [.connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout].contains(client) {
                return "the admin API at \(baseURL) did not answer within \(timeout.nanoseconds / 1_000_000_000) s; \(hint)"
            }
            if client == .remoteConnectionClosed {
                return "the admin API at \(baseURL) closed the connection before answering (a TLS port spoken to in plain HTTP, or not aamd?)"
            }
        }
        let text = String(describing: error)
        if errno(in: error) == ECONNREFUSED || text.contains("Connection refused") {
            return "nothing is listening at \(baseURL): \(hint)"
        }
        if text.contains("NXDOMAIN") || text.contains("resolve") || text.contains("SOA record") {
            return "cannot resolve the host of \(baseURL); \(hint)"
        }
        if errno(in: error) == ETIMEDOUT || errno(in: error) == EHOSTUNREACH || errno(in: error) == ENETUNREACH {
            return "cannot reach \(baseURL) (no route or no answer); \(hint)"
        }
        return "cannot reach the admin API at \(baseURL) (\(text)); \(hint)"
    }

    private static func errno(in error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.lazy.compactMap { ($0.error as? IOError)?.errnoCode }.first
        }
        return nil
    }
}
