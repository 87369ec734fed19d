import AAMCore
import AAMSecrets
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// A `protocol: gemini` provider registered in the YAML config of a real `aamd` process, with
/// a fallback deployment: Gemini's 429 `RESOURCE_EXHAUSTED` (its wait in the body's `RetryInfo`)
/// fails over to the next deployment and cools the Gemini one down for that long.
@Suite("Gemini through aamd", .serialized)
struct GeminiDaemonTests {
    static let upstreamKey = "AIza-daemon-gemini-key"

    @Test func aGemini429FallsBackToTheNextDeploymentAndCoolsDown() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.upstreamKey)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-gemini-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        await fake.setBehaviour(.rateLimited(retryAfterSeconds: 300), forModel: "gemini-2.0-flash")
        let config = directory.appendingPathComponent("aam.yaml")
        try """
        server:
          allowLoopbackUpstreams: true
        providers:
          - name: gemini-main
            protocol: gemini
            baseURL: \(fake.baseURL)
            credential: ${GEMINI_API_KEY}
          - name: openai-backup
            protocol: openai
            baseURL: \(fake.baseURL)
            credential: ${GEMINI_API_KEY}
        deployments:
          - { alias: chat, provider: gemini-main, upstreamModel: gemini-2.0-flash, priority: 0 }
          - { alias: chat, provider: openai-backup, upstreamModel: gpt-4o-mini, priority: 1 }
        aliases:
          - { name: chat, strategy: priority, retries: 1, timeoutMs: 30000 }
        orgs:
          - { id: acme, name: Acme }
        keys:
          - { id: k1, orgId: acme, name: test, secret: "${AAM_TEST_KEY}" }
        """.write(to: config, atomically: true, encoding: .utf8)
        let clientKey = VirtualKeyFormat.generate()
        let daemon = try ProcessRunner(
            "aamd",
            arguments: [
                "--config", config.path, "--listen", "127.0.0.1:0", "--database", "sqlite:\(directory.path)/aam.db",
                "--control-socket", directory.appendingPathComponent("control.sock").path,
                "--spool-dir", directory.appendingPathComponent("spool").path,
            ],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_TEST_KEY": clientKey, "GEMINI_API_KEY": Self.upstreamKey])
        do {
            let listening = try #require(await daemon.firstLine(containing: "aamd listening"), "\(daemon.allOutput)")
            let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
            let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
            let url = "http://127.0.0.1:\(port)/v1/chat/completions"
            let geminiPath = "/v1beta/models/gemini-2.0-flash:generateContent"

            let first = try await DaemonProcessTests.post(url, bearer: clientKey, json: #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(first.status == 200, "\(first.body)")
            #expect(first.body.contains("Hello from fake-openai model gpt-4o-mini"))
            let tried = await fake.receivedRequests()
            #expect(tried.map(\.path) == [geminiPath, "/v1/chat/completions"])
            #expect(tried.first?.header("x-goog-api-key") == Self.upstreamKey)

            // Cooling down for the RetryInfo's 300 s: Gemini is not asked again, streams included.
            let streamed = try await DaemonProcessTests.post(url, bearer: clientKey, json: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(streamed.status == 200)
            #expect(streamed.body.hasSuffix("data: [DONE]\n\n"))
            #expect(await fake.requestCount(path: geminiPath) == 1)
            #expect(await fake.requestCount(path: "/v1/chat/completions") == 2)

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit() == 0)
            #expect(!daemon.allOutput.contains(Self.upstreamKey), "the Gemini key never appears in the daemon's output")
        } catch {
            daemon.signal(SIGTERM)
            _ = await daemon.waitForExit()
            await fake.stop()
            throw error
        }
        await fake.stop()
    }
}
