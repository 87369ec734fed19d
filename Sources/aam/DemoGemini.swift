import AAMCore
import AAMServer
import AAMTesting
import Foundation

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
        try await DemoRouteRegistration(base: base, adminToken: adminToken, label: "Gemini").register(
            provider: Self.provider, providerFields: #""protocol":"gemini""#, baseURL: fake.baseURL, credential: fake.apiKey,
            upstreamModel: "gemini-2.0-flash", deploymentId: "fast-gemini")
    }

    func stop() async { await fake.stop() }
}
