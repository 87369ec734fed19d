import AAMConfig
import AAMCore
import Foundation

/// The AgentPolicy files under `Fixtures/policies/{good,bad}` (`.yaml` and `.json`).
enum PolicyFixtures {
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/policies") }

    /// File names (with extension) in `folder`, sorted.
    static func files(in folder: String) -> [String] {
        let url = root.appendingPathComponent(folder)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
    }

    static func url(_ folder: String, _ file: String) -> URL {
        root.appendingPathComponent(folder).appendingPathComponent(file)
    }

    /// Loads a fixture, naming it in errors by its file name only (as `.expected` files do).
    static func load(_ folder: String, _ file: String) throws(ConfigErrors) -> AgentPolicy {
        let text = (try? String(contentsOf: url(folder, file), encoding: .utf8)) ?? ""
        return try PolicyLoader.load(text: text, file: file)
    }

    /// The errors a fixture produces, or nil when it loads.
    static func errors(_ folder: String, _ file: String) -> ConfigErrors? {
        do {
            _ = try load(folder, file)
            return nil
        } catch {
            return error
        }
    }

    /// `NAME.expected` beside `NAME.yaml` / `NAME.json`.
    static func expectedName(_ file: String) -> String {
        (file as NSString).deletingPathExtension + ".expected"
    }
}
