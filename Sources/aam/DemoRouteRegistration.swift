import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore

/// Registers one of `aam demo`'s simulated vendors through the admin API: the provider (or, for
/// a restarted demo whose provider the database kept, this run's port and credential on it) and
/// one weighted deployment of `fast` (409 when an earlier run left it: kept).
struct DemoRouteRegistration {
    let base: String
    let adminToken: String
    /// Names the route in an error (`Gemini`, `Bedrock`).
    let label: String

    /// `providerFields` are the provider's JSON members besides name, baseURL and credential
    /// (its protocol, a region), already encoded (`"protocol":"gemini"`).
    func register(provider: String, providerFields: String, baseURL: String, credential: String, upstreamModel: String, deploymentId: String)
        async throws
    {
        let created = try await send("POST", "/admin/providers",
            #"{"name":"\#(provider)",\#(providerFields),"baseURL":"\#(baseURL)","credential":"\#(credential)"}"#)
        if !(200..<300).contains(created) {
            try expectOK(await send("PATCH", "/admin/providers/\(provider)", #"{"baseURL":"\#(baseURL)"}"#))
            try expectOK(await send("POST", "/admin/providers/\(provider)/credential", #"{"credential":"\#(credential)"}"#))
        }
        let deployment = try await send("POST", "/admin/deployments",
            #"{"alias":"fast","provider":"\#(provider)","upstreamModel":"\#(upstreamModel)","weight":1,"id":"\#(deploymentId)"}"#)
        if deployment != 409 { try expectOK(deployment) }
    }

    private func expectOK(_ status: Int) throws {
        guard (200..<300).contains(status) else { throw CLIError("cannot register the demo's \(label) route (HTTP \(status))") }
    }

    private func send(_ method: String, _ path: String, _ json: String) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "authorization", value: "Bearer \(adminToken)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await OutboundHTTP.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
