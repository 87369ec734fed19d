import AAMFuzzTargets
import Foundation

// The fuzz entry point. Built by `scripts/fuzz` with `--sanitize=fuzzer -Xswiftc -DFUZZING`,
// libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput` for the target named by
// `AAM_FUZZ_TARGET`; a violated invariant aborts so libFuzzer saves the input. In the normal
// build (no libFuzzer) the same executable replays inputs: `aam-fuzz TARGET FILE…`.

/// The target chosen at start-up (read once: libFuzzer calls the entry point millions of times).
let selectedTarget: FuzzTarget? = ProcessInfo.processInfo.environment["AAM_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = selectedTarget else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("aam-fuzz: set AAM_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do { try target.run(input) } catch {
        FileHandle.standardError.write(Data("aam-fuzz: invariant violated: \(error)\n".utf8))
        abort()
    }
    return 0
}

#if !FUZZING
@main
struct ReplayMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--replay-corpus" {
            // What FuzzCorpusReplayTests runs: committed inputs plus seeded mutations, every target.
            guard let root = FuzzCorpus.root(searchingUpFrom: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) else {
                print("aam-fuzz: run from the repository (Fuzz/corpus not found)")
                exit(2)
            }
            let perSeed = arguments.dropFirst().first.flatMap { Int($0) } ?? 40
            var failed = false
            for target in FuzzTarget.allCases {
                let failures = FuzzCorpus.replay(target, root: root, mutationsPerSeed: perSeed)
                print("\(target.rawValue): \(FuzzCorpus.files(of: target, in: root).count) files, \(failures.count) failures")
                for failure in failures { print("  \(failure)") }
                failed = failed || !failures.isEmpty
            }
            exit(failed ? 1 : 0)
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            print("usage: aam-fuzz \(names) FILE…  (replays inputs; scripts/fuzz builds the libFuzzer version)")
            print("       aam-fuzz --replay-corpus [MUTATIONS-PER-SEED]  (what the test suite replays)")
            exit(2)
        }
        var failures = 0
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): unreadable")
                failures += 1
                continue
            }
            do {
                try target.run(Array(data))
                print("\(path): ok")
            } catch {
                print("\(path): \(error)")
                failures += 1
            }
        }
        exit(failures == 0 ? 0 : 1)
    }
}
#endif
