import AAMFuzzTargets
import Foundation
import Testing

/// The seeded half of the fuzzing harness (docs/FUZZING.md), in the normal suite: every
/// committed seed and regression input of every target is replayed through the same target
/// function libFuzzer drives, so a crash fixed once stays fixed; fixed-seed mutations of each
/// input then exercise the invariants beyond the committed files.
@Suite struct FuzzCorpusReplayTests {
    static let root = FuzzCorpus.root(fromSourceFile: #filePath)
    /// Mutations per committed input; small enough for a debug build to run every target in seconds.
    static let mutationsPerSeed = 40

    @Test(arguments: FuzzTarget.allCases)
    func committedInputsAndSeededMutationsHoldTheInvariants(_ target: FuzzTarget) throws {
        let root = try #require(Self.root, "Fuzz/corpus not found above \(#filePath)")
        #expect(FuzzCorpus.files(of: target, in: root).count >= 3, "Fuzz/corpus/\(target.rawValue) should hold seeds")
        for failure in FuzzCorpus.replay(target, root: root, mutationsPerSeed: Self.mutationsPerSeed) {
            Issue.record("\(failure)")
        }
    }

    /// A finding not fixed yet (`open-…`, owned elsewhere) must still fail: whoever fixes it is
    /// told to drop the prefix, and from then on it is an ordinary regression input.
    @Test(arguments: FuzzTarget.allCases)
    func openFindingsStillFail(_ target: FuzzTarget) throws {
        let root = try #require(Self.root, "Fuzz/corpus not found above \(#filePath)")
        for file in FuzzCorpus.files(of: target, in: root) where FuzzCorpus.isOpenFinding(file) {
            let input = Array(try Data(contentsOf: file))
            withKnownIssue("open finding \(file.lastPathComponent) (docs/FUZZING.md)") {
                try target.run(input)
            }
        }
    }
}
