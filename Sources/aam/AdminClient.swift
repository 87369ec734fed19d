import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client for the admin API (and the data plane, for the demo's traffic).
struct AdminClient {
    let baseURL: String
    let token: String?

    struct Reply {
        let status: Int
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }

    init(options: AdminOptions) {
        baseURL = options.url
        token = ProcessInfo.processInfo.environment[options.tokenEnv]
    }

    init(baseURL: String, token: String?) {
        self.baseURL = baseURL
        self.token = token
    }

    func send(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, bearer: String? = nil, timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let auth = bearer ?? token { request.headers.add(name: "authorization", value: "Bearer \(auth)") }
        // The admin audit trail records CLI changes as `cli:<local user> via admin:<token id>`.
        request.headers.add(name: "x-aam-actor-channel", value: "cli")
        request.headers.add(name: "x-aam-operator", value: CLIOperator.name)
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await AdminReachability.execute(request, baseURL: baseURL, timeout: timeout)
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), body: Array(body.readableBytesView))
    }

    /// Sends, and turns a non-2xx reply into a readable failure.
    func expect(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> Reply {
        let reply = try await send(method, path, json: json)
        guard (200..<300).contains(reply.status) else {
            let message = ((reply.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? reply.text
            throw CLIError("\(method) \(path) failed (\(reply.status)): \(message)")
        }
        return reply
    }
}

/// The local user running `aam`, as the admin audit trail names it (letters, digits, `.`, `_`, `-`).
enum CLIOperator {
    static let name: String = {
        let raw = getpwuid(geteuid()).flatMap { String(validatingCString: $0.pointee.pw_name) }
            ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        let cleaned = String(raw.unicodeScalars.prefix(64).map { scalar -> Character in
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "_"
        })
        return cleaned.isEmpty ? "unknown" : cleaned
    }()
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
