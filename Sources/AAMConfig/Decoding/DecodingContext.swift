import AAMCore
import Foundation
import Yams

/// What one load shares while it walks the document: the file name, the environment for
/// `${NAME}` and the problems found so far.
///
/// A reference type because every reader reports into the same list; it lives for one
/// synchronous `ConfigLoader.load` call and never crosses an isolation boundary.
final class DecodingContext {
    let file: String
    let environment: [String: String]
    /// Where files the config refers to (`policies: - file: PATH`) are read from: the config
    /// file's folder, unless the caller named another.
    let referenceDirectory: String
    private(set) var errors: [ConfigError] = []
    /// Which upstream hosts URLs may name: the loader's (from `aamd --allow-loopback-upstreams`),
    /// relaxed by the file's own `server.allowLoopbackUpstreams: true` (decoded first).
    var outbound: OutboundURLPolicy

    init(file: String, environment: [String: String], referenceDirectory: String? = nil, outbound: OutboundURLPolicy = .strict) {
        self.outbound = outbound
        self.file = file
        self.environment = environment
        self.referenceDirectory = referenceDirectory ?? (file as NSString).deletingLastPathComponent
    }

    /// A file the config refers to: `read` is where to read it, `display` how errors name it
    /// (relative to the config file as the caller named it, so messages stay short and stable).
    func referencedFile(_ path: String) -> (read: String, display: String) {
        guard !path.hasPrefix("/") else { return (path, path) }
        let configFolder = (file as NSString).deletingLastPathComponent
        return (Self.join(referenceDirectory, path), Self.join(configFolder, path))
    }

    private static func join(_ folder: String, _ path: String) -> String {
        folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    /// Records a problem found in another file (a referenced policy), already located there.
    func append(_ error: ConfigError) {
        errors.append(error)
    }

    /// Records a problem with the field at `path`, placed at `mark` when known.
    func report(_ path: FieldPath, at mark: Mark?, _ message: String) {
        errors.append(
            ConfigError(file: file, line: mark?.line, column: mark?.column, field: path.description, message: message)
        )
    }

    /// Whether a problem was already reported for `path`, so a follow-up check can stay quiet.
    func hasReported(_ path: FieldPath) -> Bool {
        errors.contains { $0.field == path.description }
    }

    /// The problems in file order (line, then column; ties keep the order they were found in).
    /// Problems in referenced files follow those of this file, grouped per file in the order
    /// the files were first reported.
    var sortedErrors: [ConfigError] {
        var fileRank: [String: Int] = [file: 0]
        for error in errors where fileRank[error.file] == nil { fileRank[error.file] = fileRank.count }
        return errors.enumerated().sorted { lhs, rhs in
            let left = (fileRank[lhs.element.file] ?? 0, lhs.element.line ?? 0, lhs.element.column ?? 0, lhs.offset)
            let right = (fileRank[rhs.element.file] ?? 0, rhs.element.line ?? 0, rhs.element.column ?? 0, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
