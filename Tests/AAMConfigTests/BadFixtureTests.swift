import AAMConfig
import Foundation
import Testing

/// Every `Fixtures/bad/NAME.yaml` fails with exactly the text in `NAME.expected`.
///
/// To refresh the golden files after an intended message change, run the tests with
/// `AAM_UPDATE_GOLDEN=1` and review the diff.
@Suite struct BadFixtureTests {
    @Test func thereAreEnoughBadFixtures() {
        #expect(Fixtures.names(in: "bad").count >= 15)
    }

    @Test(arguments: Fixtures.names(in: "bad"))
    func failsWithExactMessage(name: String) throws {
        let errors = try #require(Fixtures.errors("bad", name), "\(name).yaml unexpectedly loaded")
        if ProcessInfo.processInfo.environment["AAM_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/bad/\(name).expected")
            try (errors.description + "\n").write(to: source, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Fixtures.url("bad", name, "expected"), encoding: .utf8)
        #expect(errors.description == expected.trimmingCharacters(in: .newlines))
    }

    @Test(arguments: Fixtures.names(in: "bad"))
    func neverShowsASecret(name: String) throws {
        let errors = try #require(Fixtures.errors("bad", name))
        for secret in Fixtures.secrets {
            #expect(!errors.description.contains(secret), "\(name): an error shows a secret")
        }
    }

    @Test(arguments: Fixtures.names(in: "bad"))
    func errorsAreSortedByPosition(name: String) throws {
        let errors = try #require(Fixtures.errors("bad", name)).errors
        // The config file's problems come first; those of a referenced policy file follow, together.
        #expect(errors.first.map { $0.file == "\(name).yaml" } ?? true)
        var files: [String] = []
        for error in errors where files.last != error.file {
            #expect(!files.contains(error.file), "\(name): the errors of \(error.file) are not together")
            files.append(error.file)
        }
        for file in files {
            let positions = errors.filter { $0.file == file }.map { [$0.line ?? 0, $0.column ?? 0] }
            #expect(positions == positions.sorted { $0.lexicographicallyPrecedes($1) })
        }
    }
}
