import Foundation

/// The committed inputs of a target: its seed corpus (`Fuzz/corpus/TARGET/`) and the inputs
/// that once failed (`Fuzz/regressions/TARGET/`), replayed by the test suite and by `aam-fuzz`
/// when it runs without libFuzzer.
public enum FuzzCorpus {
    /// `Fuzz/` in the repository holding `sourceFile` (a `#filePath` inside the package).
    public static func root(fromSourceFile sourceFile: String) -> URL? {
        root(searchingUpFrom: URL(fileURLWithPath: sourceFile).deletingLastPathComponent())
    }

    /// `Fuzz/` in `directory` or the nearest folder above it that has one.
    public static func root(searchingUpFrom directory: URL) -> URL? {
        var directory = directory.standardizedFileURL
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Fuzz")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("corpus").path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// A regression input whose bug is known and not fixed yet: its name starts with `open-`.
    /// The suite expects it to fail (a known issue); the fix renames it.
    public static func isOpenFinding(_ file: URL) -> Bool { file.lastPathComponent.hasPrefix("open-") }

    /// Every committed input of `target`, sorted by path (a README or other `.md` file is skipped).
    public static func files(of target: FuzzTarget, in root: URL) -> [URL] {
        ["corpus", "regressions"].flatMap { kind -> [URL] in
            let folder = root.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { folder.appendingPathComponent($0) }
        }
    }
}

extension FuzzCorpus {
    /// One failure of a replay: the file, which input (the file itself or a mutation of it), why.
    public struct Failure: Sendable, CustomStringConvertible {
        public var file: String
        public var mutation: Int?
        public var input: [UInt8]
        public var violation: InvariantViolation
        public var description: String {
            let which = mutation.map { "mutation \($0) (base64 \(Data(input).base64EncodedString()))" } ?? "as committed"
            return "\(file), \(which): \(violation)"
        }
    }

    /// Replays every committed input of `target` except open findings, then `mutationsPerSeed`
    /// fixed-seed mutations of each (stopping at a seed's first failure); returns the failures.
    public static func replay(_ target: FuzzTarget, root: URL, mutationsPerSeed: Int) -> [Failure] {
        var failures: [Failure] = []
        for (index, file) in files(of: target, in: root).enumerated() where !isOpenFinding(file) {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let seed = Array(data)
            do { try target.run(seed) } catch {
                failures.append(Failure(file: file.lastPathComponent, mutation: nil, input: seed, violation: error))
                continue
            }
            var mutator = SeededMutator(seed: UInt64(index) &* 0x9E37_79B9 &+ 1)
            for round in 0..<mutationsPerSeed {
                let input = mutator.mutate(seed)
                do { try target.run(input) } catch {
                    failures.append(Failure(file: file.lastPathComponent, mutation: round, input: input, violation: error))
                    break
                }
            }
        }
        return failures
    }
}
