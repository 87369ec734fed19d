import AAMConfig
import AAMCore
import Foundation
import Testing

/// Every `Fixtures/good/*.yaml` loads, and produces exactly the entities it declares.
@Suite struct GoodFixtureTests {
    @Test(arguments: Fixtures.names(in: "good"))
    func loads(name: String) {
        #expect(Fixtures.errors("good", name) == nil, "\(name): \(Fixtures.errors("good", name)?.description ?? "")")
    }

    @Test func emptyFileIsAnEmptyConfig() throws {
        let loaded = try Fixtures.load("good", "empty")
        #expect(loaded.state == ConfigState())
        #expect(loaded.server == ServerSettings())
        #expect(loaded.credentials.isEmpty && loaded.keySecrets.isEmpty)
    }

    @Test func minimal() throws {
        let state = try Fixtures.load("good", "minimal").state
        #expect(
            state.providers == [
                "sim": ProviderConfig(
                    name: "sim", wireProtocol: .simulated, baseURL: "", simulation: SimulationSettings())
            ])
        #expect(
            state.deployments == [
                "fast.sim": Deployment(id: "fast.sim", alias: "fast", provider: "sim", upstreamModel: "sim-small")
            ])
        #expect(state.aliases.isEmpty)
        #expect(state.aliasNames == ["fast"])
    }

    @Test func fullServerSection() throws {
        let server = try Fixtures.load("good", "full").server
        #expect(
            server
                == ServerSettings(
                    listen: "0.0.0.0:9090", database: "sqlite:./data/aam.db", controlSocket: "./data/control.sock",
                    maxBodyBytes: 1_048_576, logLevel: "debug", logFormat: "json"))
    }

    @Test func fullProviders() throws {
        let loaded = try Fixtures.load("good", "full")
        let providers = loaded.state.providers
        #expect(providers.keys.sorted() == ["claude", "local-vllm", "openai-main", "sim"])
        #expect(
            providers["openai-main"]
                == ProviderConfig(
                    name: "openai-main", wireProtocol: .openai, baseURL: "https://api.openai.com", region: "us-east",
                    headers: ["X-Title": "aam", "OpenAI-Organization": "org-123"]))
        #expect(providers["claude"]?.wireProtocol == .anthropic)
        #expect(providers["claude"]?.region == "eu-west")
        #expect(providers["local-vllm"]?.baseURL == "http://127.0.0.1:8000")
        #expect(
            providers["sim"]?.simulation
                == SimulationSettings(ttftMs: 5, tokensPerSecond: 1000.5, completionTokens: 16, errorRate: 0.25))
        #expect(providers.values.allSatisfy { $0.credential == nil })
        #expect(loaded.credentials.keys.sorted() == ["claude", "openai-main"])
        #expect(loaded.credentials["openai-main"]?.revealForTransport() == "sk-test-literal-credential")
    }

    @Test func governanceFieldsOnEveryScope() throws {
        let state = try Fixtures.load("good", "governance").state
        let org = try #require(state.orgs["acme"])
        #expect(org.budgets == [
            Budget(id: "daily", period: .daily, usdLimit: try Money(parsing: "250.00")),
            Budget(id: "monthly", period: .monthly, usdLimit: try Money(parsing: "5000"), tokenLimit: 100_000_000),
        ])
        #expect(org.rpm == 6000 && org.tpm == 2_000_000 && org.models == nil)
        #expect(state.teams["platform"]?.budgets == [Budget(id: "weekly", period: .weekly, tokenLimit: 5_000_000)])
        #expect(state.teams["platform"]?.models == ["fast"])
        #expect(state.projects["chatbot"]?.tpm == 200_000)
        #expect(state.projects["chatbot"]?.budgets == nil)
        let key = try #require(state.keys["ci"])
        #expect(key.budgets == [
            Budget(id: "daily", period: .daily, tokenLimit: 100_000), Budget(id: "daily-2", period: .daily, usdLimit: try Money(parsing: "5")),
        ])
        #expect(key.rpm == 60 && key.tpm == nil)
        #expect(state.providers["sim"]?.budgets == [Budget(id: "monthly", period: .monthly, usdLimit: try Money(parsing: "1000"))])
        #expect(state.deployments["fast.sim"]?.budgets == [Budget(id: "daily", period: .daily, tokenLimit: 2_000_000)])
        let prices = try #require(try Fixtures.load("good", "governance").prices)
        #expect(prices.map(\.version) == ["sim-2026-01", "sim-2027-01"])
        #expect(prices[0].cachedInputPerMillion == (try Money(parsing: "0.075")))
        #expect(prices[1].outputPerMillion == (try Money(parsing: "0.40")))
        #expect(prices[0].effectiveFrom == Date(timeIntervalSince1970: 0))
        #expect(try Fixtures.load("good", "minimal").prices == nil)
    }

    @Test func fullDeployments() throws {
        let deployments = try Fixtures.load("good", "full").state.deployments
        #expect(deployments.keys.sorted() == ["fast-openai", "fast.local-vllm", "long.sim", "smart.claude"])
        #expect(
            deployments["fast-openai"]
                == Deployment(
                    id: "fast-openai", alias: "fast", provider: "openai-main", upstreamModel: "gpt-4o-mini", weight: 3,
                    priority: 1, region: "us-east", rpm: 600, tpm: 150_000, contextWindow: 128_000))
        #expect(deployments["fast.local-vllm"]?.upstreamModel == "meta-llama/Llama-3.1-8B-Instruct")
        #expect(deployments["fast.local-vllm"]?.weight == 1)
        #expect(deployments["smart.claude"]?.weight == 0)
        #expect(deployments["long.sim"]?.contextWindow == 1_000_000)
    }

    @Test func fullAliases() throws {
        let aliases = try Fixtures.load("good", "full").state.aliases
        #expect(
            aliases["fast"]
                == AliasSettings(
                    name: "fast", strategy: .leastLatency, fallbacks: ["smart", "long"], retries: 2, timeoutMs: 30000,
                    contextWindowFallback: "long"))
        #expect(aliases["smart"] == AliasSettings(name: "smart", strategy: .priority, retries: 0))
        #expect(aliases["long"] == AliasSettings(name: "long", strategy: .leastBusy))
    }

    @Test func fullScopes() throws {
        let state = try Fixtures.load("good", "full").state
        #expect(
            state.orgs == ["acme": Organization(id: "acme", name: "Acme Corp"), "globex": Organization(id: "globex")])
        #expect(state.teams == ["platform": Team(id: "platform", orgId: "acme", name: "Platform")])
        #expect(
            state.projects == [
                "chatbot": Project(id: "chatbot", orgId: "acme", teamId: "platform", name: "Support chatbot"),
                "research": Project(id: "research", orgId: "globex"),
            ])
    }

    @Test func fullKeys() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let yaml = try String(contentsOf: Fixtures.url("good", "full"), encoding: .utf8)
        let loaded = try ConfigLoader.load(yaml: yaml, file: "full.yaml", environment: [:], now: now, outbound: OutboundURLPolicy(allowLoopback: true))
        let expiry = try #require(ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z"))
        #expect(
            loaded.state.keys["demo-key"]
                == VirtualKey(
                    id: "demo-key", prefix: "", secretHash: "", orgId: "acme", teamId: "platform", projectId: "chatbot",
                    name: "demo", createdAt: now, expiresAt: expiry, models: ["fast", "smart"],
                    metadata: ["owner": "alice", "ticket": "OPS-42"]))
        #expect(
            loaded.state.keys["research-key"]
                == VirtualKey(id: "research-key", prefix: "", secretHash: "", orgId: "globex", createdAt: now))
        #expect(
            loaded.keySecrets.mapValues { $0.revealForTransport() } == [
                "demo-key": "sk-aam-0123456789abcdefghijABCDEFGHIJ0123456789",
                "research-key": "sk-aam-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm",
            ])
    }

    @Test func azure() throws {
        let loaded = try Fixtures.load("good", "azure")
        #expect(
            loaded.state.providers["azure-east"]
                == ProviderConfig(
                    name: "azure-east", wireProtocol: .azureOpenAI, baseURL: "https://my-resource.openai.azure.com",
                    region: "eastus", apiVersion: "2024-10-21"))
        #expect(loaded.credentials["azure-east"]?.revealForTransport() == Fixtures.environment["AZURE_OPENAI_API_KEY"])
        #expect(loaded.state.deployments["gpt4o.azure-east"]?.upstreamModel == "gpt-4o-prod")
    }

    @Test func environmentInterpolation() throws {
        let loaded = try Fixtures.load("good", "env")
        #expect(loaded.server.listen == "127.0.0.1:8080")
        #expect(loaded.server.maxBodyBytes == 2_097_152)
        let openai = try #require(loaded.state.providers["openai-main"])
        #expect(openai.baseURL == "https://api.openai.com")
        #expect(openai.headers == ["X-Price-Tag": "$5 per million"])
        #expect(loaded.credentials["openai-main"]?.revealForTransport() == Fixtures.environment["OPENAI_API_KEY"])
        #expect(loaded.credentials["ollama"] == nil, "an empty credential means none")
        #expect(loaded.state.deployments["fast.openai-main"]?.weight == 7)
        #expect(loaded.keySecrets["demo-key"]?.revealForTransport() == Fixtures.environment["AAM_DEMO_KEY"])
    }
}
