import AAMCore
import AAMServer
import AAMTesting
import Foundation

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
        try await DemoRouteRegistration(base: base, adminToken: adminToken, label: "Bedrock").register(
            provider: Self.provider, providerFields: #""protocol":"bedrock","region":"us-east-1""#, baseURL: fake.baseURL, credential: credential,
            upstreamModel: "anthropic.claude-3-haiku-20240307-v1:0", deploymentId: "fast-bedrock")
    }

    func stop() async { await fake.stop() }
}
