import AAMConfig
import AAMCore
import Foundation
import Testing

/// Shapes of input that are easy to get wrong: comments only, nulls, anchors, several documents.
@Suite struct EdgeCaseTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigErrors) -> LoadedConfig {
        try ConfigLoader.load(yaml: yaml, file: "t.yaml", environment: environment)
    }

    private func messages(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func commentsOnlyAndNullSectionsAreEmpty() throws {
        #expect(try load("# nothing yet\n").state == ConfigState())
        #expect(try load("providers:\ndeployments: ~\nserver:\n").state == ConfigState())
    }

    @Test func anchorsAndMergeKeysShareSettings() throws {
        let state = try load(
            """
            providers:
              - &sim { name: sim-a, protocol: simulated, simulation: { ttftMs: 5 } }
              - { <<: *sim, name: sim-b }
            """
        ).state
        #expect(state.providers["sim-b"]?.wireProtocol == .simulated)
        #expect(state.providers["sim-b"]?.simulation?.ttftMs == 5)
        #expect(state.providers["sim-a"]?.name == "sim-a")
    }

    @Test func listItemMustBeAMapping() {
        #expect(messages("providers:\n  - sim\n") == ["t.yaml:2:5: providers[0]: expected a mapping, got a string"])
    }

    @Test func severalDocumentsAreRefused() {
        let output = messages("providers: []\n---\nkeys: []\n")
        #expect(output.count == 1)
        #expect(output.first?.hasPrefix("t.yaml:2:1: YAML syntax error: but found another document") == true)
    }

    @Test func deploymentsMayServeAnAliasWithoutSettings() throws {
        let state = try load(
            """
            providers: [{ name: sim, protocol: simulated }]
            deployments: [{ alias: embed, provider: sim, upstreamModel: e }]
            aliases: [{ name: fast, fallbacks: [embed] }]
            """
        ).state
        #expect(state.aliasNames == ["embed", "fast"])
    }

    @Test func duplicateDefaultDeploymentIdsAskForAnId() {
        #expect(
            messages(
                """
                providers: [{ name: sim, protocol: simulated }]
                deployments:
                  - { alias: fast, provider: sim, upstreamModel: a }
                  - { alias: fast, provider: sim, upstreamModel: b }
                """
            ) == [
                "t.yaml:4:5: deployments[1].id: duplicate deployment id 'fast.sim' (first declared on line 3; set 'id' to tell them apart)"
            ])
    }

    @Test func loadsFromAPath() throws {
        let loaded = try ConfigLoader.load(path: Fixtures.url("good", "minimal").path, environment: [:])
        #expect(loaded.state.providers["sim"] != nil)
    }

    @Test func errorsNameThePathTheyWereLoadedFrom() throws {
        let path = Fixtures.url("bad", "unknown-protocol").path
        #expect {
            try ConfigLoader.load(path: path, environment: [:])
        } throws: { error in
            (error as? ConfigErrors)?.errors.first?.file == path
        }
    }
}
