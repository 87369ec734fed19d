import AAMCore
import AAMServer
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore

/// `aam demo`'s simulated Gemini route: the Gemini fake from AAMTesting (the real wire:
/// `x-goog-api-key`, `generateContent`, SSE streams) on loopback, registered through the admin
/// API as provider `sim-gemini` with one deployment of `fast`, so a share of the demo's traffic
/// (both inbound APIs, streams, tool calls) is translated to Gemini and back.
struct DemoGemini: Sendable {
    static let provider = "sim-gemini"
    let fake: FakeUpstream

    static func start() async throws -> DemoGemini {
        DemoGemini(fake: try await FakeUpstream.start(apiKey: "AIza-demo-" + Identifiers.random(24)))
    }

    /// Registers the provider and its deployment; a restarted demo (its provider kept in the
    /// database) points it at this run's port and key.
    func register(base: String, adminToken: String) async throws {
        let created = try await admin(base, adminToken, "POST", "/admin/providers",
            #"{"name":"\#(Self.provider)","protocol":"gemini","baseURL":"\#(fake.baseURL)","credential":"\#(fake.apiKey)"}"#)
        if !(200..<300).contains(created) {
            try await expectOK(admin(base, adminToken, "PATCH", "/admin/providers/\(Self.provider)", #"{"baseURL":"\#(fake.baseURL)"}"#))
            try await expectOK(admin(base, adminToken, "POST", "/admin/providers/\(Self.provider)/credential", #"{"credential":"\#(fake.apiKey)"}"#))
        }
        let deployment = try await admin(base, adminToken, "POST", "/admin/deployments",
            #"{"alias":"fast","provider":"\#(Self.provider)","upstreamModel":"gemini-2.0-flash","weight":1,"id":"fast-gemini"}"#)
        // 409: kept from an earlier run.
        if deployment != 409 { try expectOK(deployment) }
    }

    func stop() async { await fake.stop() }

    private func expectOK(_ status: Int) throws {
        guard (200..<300).contains(status) else { throw CLIError("cannot register the demo's Gemini route (HTTP \(status))") }
    }

    private func admin(_ base: String, _ token: String, _ method: String, _ path: String, _ json: String) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await OutboundHTTP.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
