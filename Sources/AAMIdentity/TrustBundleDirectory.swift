import Foundation

/// Loads `DIR/TRUST_DOMAIN.json` files into a `TrustBundleSet`.
///
/// Reload semantics: a file that cannot be parsed keeps that trust domain's previous bundle
/// (and its error is reported); a file that disappeared removes its trust domain; a file with
/// an empty `keys` array revokes it; a file whose bytes did not change keeps its bundle value
/// (and so its prepared JWT keys, `JWTKeyCache`).
public enum TrustBundleDirectory {
    /// One refused file: its name and why.
    public struct FileError: Sendable, Equatable, CustomStringConvertible {
        public let file: String
        public let error: TrustBundleError
        public var description: String { "trust bundle \(file) \(error.description)" }
    }

    /// The result of one (re)load.
    public struct LoadResult: Sendable {
        public let bundles: TrustBundleSet
        public let errors: [FileError]
    }

    /// Reads every `*.json` file of `directory`; `previous` supplies the bundle kept for a file
    /// that fails to parse.
    public static func load(_ directory: String, previous: TrustBundleSet = .empty) -> LoadResult {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return LoadResult(
                bundles: previous, errors: [FileError(file: directory, error: .unreadable("the directory cannot be listed"))])
        }
        var bundles: [String: TrustBundle] = [:]
        var errors: [FileError] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let domain = String(name.dropLast(".json".count))
            do {
                guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else {
                    throw TrustBundleError.unreadable("the file cannot be read")
                }
                if let kept = previous[domain], kept.source == data {
                    bundles[domain] = kept  // unchanged bytes: same generation, keys stay prepared
                } else {
                    bundles[domain] = try TrustBundle.parse(data, trustDomain: domain)
                }
            } catch let error as TrustBundleError {
                errors.append(FileError(file: name, error: error))
                if let kept = previous[domain] { bundles[domain] = kept }
            } catch {
                errors.append(FileError(file: name, error: .unreadable("\(error)")))
                if let kept = previous[domain] { bundles[domain] = kept }
            }
        }
        return LoadResult(bundles: TrustBundleSet(byDomain: bundles), errors: errors)
    }

    /// A cheap fingerprint of the directory (names, sizes, modification times) that changes
    /// whenever a bundle file is added, removed or rewritten: the watcher reloads when it does.
    public static func fingerprint(_ directory: String) -> String {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return "unlistable" }
        var parts: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            parts.append("\(name):\(size):\(modified)")
        }
        return parts.joined(separator: "|")
    }
}
