import AAMCore
import AAMSecrets
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// A `protocol: bedrock` provider registered in the YAML config of a real `aamd` process (its
/// AWS key from the environment, its region, no base URL but the fake's), with a fallback
/// deployment: Bedrock's 429 `ThrottlingException` fails over to the next deployment and cools
/// the Bedrock one down; the secret access key appears nowhere in the daemon's output.
@Suite("Bedrock through aamd", .serialized)
struct BedrockDaemonTests {
    static let secret = "daemon-bedrock/SECRET+key"
    static let credential = FakeUpstream.bedrockAccessKeyID + ":" + secret

    @Test func aBedrockThrottleFallsBackToTheNextDeploymentAndCoolsDown() async throws {
        let fake = try await FakeUpstream.start(apiKey: Self.secret)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-bedrock-\(Identifiers.random(10))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        await fake.setBehaviour(.rateLimited(), forModel: "anthropic.claude-3-haiku-20240307-v1:0")
        let config = directory.appendingPathComponent("aam.yaml")
        try """
        server:
          allowLoopbackUpstreams: true
        providers:
          - name: bedrock-main
            protocol: bedrock
            region: us-east-1
            baseURL: \(fake.baseURL)
            credential: ${AWS_BEDROCK_CREDENTIAL}
          - name: openai-backup
            protocol: openai
            baseURL: \(fake.baseURL)
            credential: ${OPENAI_KEY}
        deployments:
          - { alias: chat, provider: bedrock-main, upstreamModel: "anthropic.claude-3-haiku-20240307-v1:0", priority: 0 }
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
            environment: [
                "AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_TEST_KEY": clientKey, "AWS_BEDROCK_CREDENTIAL": Self.credential,
                "OPENAI_KEY": Self.secret,
            ])
        do {
            let listening = try #require(await daemon.firstLine(containing: "aamd listening"), "\(daemon.allOutput)")
            let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
            let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
            let url = "http://127.0.0.1:\(port)/v1/chat/completions"
            let bedrockPath = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"

            let first = try await DaemonProcessTests.post(url, bearer: clientKey, json: #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(first.status == 200, "\(first.body)")
            #expect(first.body.contains("Hello from fake-openai model gpt-4o-mini"))
            let tried = await fake.receivedRequests()
            #expect(tried.map(\.path) == [bedrockPath, "/v1/chat/completions"])
            #expect(tried.first?.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=\(FakeUpstream.bedrockAccessKeyID)/") == true)
            #expect(tried.first?.headers.contains { $0.value.contains(Self.secret) } == false)

            // Cooling down: Bedrock is not asked again, streams included.
            let streamed = try await DaemonProcessTests.post(url, bearer: clientKey, json: #"{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(streamed.status == 200)
            #expect(streamed.body.hasSuffix("data: [DONE]\n\n"))
            #expect(await fake.requestCount(path: bedrockPath) == 1)
            #expect(await fake.requestCount(path: "/v1/chat/completions") == 2)

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit() == 0)
            #expect(!daemon.allOutput.contains(Self.secret), "the secret access key never appears in the daemon's output")
        } catch {
            daemon.signal(SIGTERM)
            _ = await daemon.waitForExit()
            await fake.stop()
            throw error
        }
        await fake.stop()
    }
}
