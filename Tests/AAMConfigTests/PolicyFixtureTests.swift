import AAMConfig
import AAMCore
import Foundation
import Testing

/// Every `Fixtures/policies/bad/NAME.{yaml,json}` fails with exactly the text in `NAME.expected`;
/// every good one loads. Refresh goldens with `AAM_UPDATE_GOLDEN=1` and review the diff.
@Suite struct PolicyFixtureTests {
    @Test func thereAreEnoughFixtures() {
        #expect(PolicyFixtures.files(in: "bad").count >= 12)
        #expect(PolicyFixtures.files(in: "good").count >= 3)
    }

    @Test(arguments: PolicyFixtures.files(in: "good"))
    func goodFixtureLoads(file: String) throws {
        let policy = try PolicyFixtures.load("good", file)
        #expect(!policy.name.isEmpty)
        #expect(policy.version == 1)
    }

    @Test(arguments: PolicyFixtures.files(in: "bad"))
    func badFixtureFailsWithExactMessage(file: String) throws {
        let errors = try #require(PolicyFixtures.errors("bad", file), "\(file) unexpectedly loaded")
        let expectedName = PolicyFixtures.expectedName(file)
        if ProcessInfo.processInfo.environment["AAM_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/policies/bad/\(expectedName)")
            try (errors.description + "\n").write(to: source, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: PolicyFixtures.url("bad", expectedName), encoding: .utf8)
        #expect(errors.description == expected.trimmingCharacters(in: .newlines))
    }

    @Test(arguments: PolicyFixtures.files(in: "bad"))
    func everyErrorIsLocatedAndSorted(file: String) throws {
        let errors = try #require(PolicyFixtures.errors("bad", file)).errors
        for error in errors {
            #expect(error.file == file)
            #expect(error.line != nil, "\(error) has no line")
            #expect(error.column != nil, "\(error) has no column")
        }
        let positions = errors.map { [$0.line ?? 0, $0.column ?? 0] }
        #expect(positions == positions.sorted { $0.lexicographicallyPrecedes($1) })
    }
}
