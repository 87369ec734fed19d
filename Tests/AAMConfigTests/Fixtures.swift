import AAMConfig
import AAMCore
import Foundation

/// Access to the YAML fixtures under `Fixtures/` and the environment they are loaded with.
enum Fixtures {
    /// The environment every fixture is loaded with. The values are secrets: no error may show them.
    static let environment: [String: String] = [
        "OPENAI_API_KEY": "sk-proj-TOPSECRET-openai-value",
        "AZURE_OPENAI_API_KEY": "azure-TOPSECRET-value",
        "BAD_KEY": "sk-aam-TOPSECRET-but-malformed",
        "AAM_DEMO_KEY": "sk-aam-TOPSECRETabcdefghijklmnopqrstuvwxyz01234",
        "AAM_MAX_BODY": "2097152",
        "ALIAS_NAME": "fast",
        "FAST_WEIGHT": "7",
        "OLLAMA_API_KEY": "",
    ]

    /// Values of `environment` that must never appear in an error message.
    static let secrets = ["TOPSECRET", "hunter2"]

    /// The copied `Fixtures` folder in the test bundle.
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    /// Base names (without `.yaml`) of the fixtures in `folder` (`good` or `bad`), sorted.
    static func names(in folder: String) -> [String] {
        let url = root.appendingPathComponent(folder)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }.sorted()
    }

    static func url(_ folder: String, _ name: String, _ ext: String = "yaml") -> URL {
        root.appendingPathComponent(folder).appendingPathComponent("\(name).\(ext)")
    }

    /// Loads a fixture, naming it in errors by its file name only (as `*.expected` files do).
    /// Policy files it refers to are read beside it, and named relative to it.
    static func load(_ folder: String, _ name: String) throws(ConfigErrors) -> LoadedConfig {
        let yaml = (try? String(contentsOf: url(folder, name), encoding: .utf8)) ?? ""
        return try ConfigLoader.load(
            yaml: yaml, file: "\(name).yaml", environment: environment, now: Date(),
            referenceDirectory: root.appendingPathComponent(folder).path, outbound: OutboundURLPolicy(allowLoopback: true))
    }

    /// The errors a fixture produces, or nil when it loads.
    static func errors(_ folder: String, _ name: String) -> ConfigErrors? {
        do {
            _ = try load(folder, name)
            return nil
        } catch {
            return error
        }
    }
}
