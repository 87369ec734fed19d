import AAMCore
import AAMServer
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore

/// `aam demo`'s simulated Bedrock route: the Bedrock fake from AAMTesting (the real wire:
/// SigV4 verified with the secret, Converse, event-stream frames with CRCs) on loopback,
/// registered through the admin API as provider `sim-bedrock` (region us-east-1) with one
/// deployment of `fast`, so a share of the demo's traffic is translated to Bedrock and back.
struct DemoBedrock: Sendable {
    static let provider = "sim-bedrock"
    let fake: FakeUpstream

    /// The provider's credential: the fake's access key id and its secret.
    var credential: String { FakeUpstream.bedrockAccessKeyID + ":" + fake.apiKey }

    static func start() async throws -> DemoBedrock {
        DemoBedrock(fake: try await FakeUpstream.start(apiKey: "demo-secret-" + Identifiers.random(24)))
    }

    /// Registers the provider and its deployment; a restarted demo (its provider kept in the
    /// database) points it at this run's port and key.
    func register(base: String, adminToken: String) async throws {
        let created = try await admin(base, adminToken, "POST", "/admin/providers",
            #"{"name":"\#(Self.provider)","protocol":"bedrock","region":"us-east-1","baseURL":"\#(fake.baseURL)","credential":"\#(credential)"}"#)
        if !(200..<300).contains(created) {
            try await expectOK(admin(base, adminToken, "PATCH", "/admin/providers/\(Self.provider)", #"{"baseURL":"\#(fake.baseURL)"}"#))
            try await expectOK(admin(base, adminToken, "POST", "/admin/providers/\(Self.provider)/credential", #"{"credential":"\#(credential)"}"#))
        }
        let deployment = try await admin(base, adminToken, "POST", "/admin/deployments",
            #"{"alias":"fast","provider":"\#(Self.provider)","upstreamModel":"anthropic.claude-3-haiku-20240307-v1:0","weight":1,"id":"fast-bedrock"}"#)
        // 409: kept from an earlier run.
        if deployment != 409 { try expectOK(deployment) }
    }

    func stop() async { await fake.stop() }

    private func expectOK(_ status: Int) throws {
        guard (200..<300).contains(status) else { throw CLIError("cannot register the demo's Bedrock route (HTTP \(status))") }
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
