import AAMSecrets
import Foundation
import Testing

/// Runs a throwing expression and returns its `SecretsError`, or nil if it did not throw.
func secretsError<T>(_ body: () throws(SecretsError) -> T) -> SecretsError? {
    do throws(SecretsError) {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

func base64(of bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

let keyA = base64(of: Array(repeating: 0xA1, count: 32))
let keyB = base64(of: Array(repeating: 0xB2, count: 32))

@Suite("MasterKey")
struct MasterKeyTests {
    @Test("a base64 string of 32 bytes loads, surrounding whitespace allowed")
    func loads() throws {
        let key = try MasterKey(base64: keyA)
        #expect(try MasterKey(base64: "  \(keyA)\n").id == key.id)
        #expect(try MasterKey(rawBytes: Array(repeating: 0xA1, count: 32)).id == key.id)
        #expect(key.id.hasPrefix("mk_") && key.id.count == 15)
        #expect(key.id.dropFirst(3).allSatisfy { $0.isHexDigit })
        #expect(try MasterKey(base64: keyB).id != key.id)
    }

    @Test("description shows only the id, never key material")
    func description() throws {
        let key = try MasterKey(base64: keyA)
        #expect(key.description == "MasterKey(\(key.id))")
        #expect(!"\(key)".contains(keyA))
    }

    @Test(
        "a decoded key of the wrong length is refused with its length",
        arguments: [0, 1, 16, 31, 33, 64])
    func wrongLength(count: Int) {
        let error = secretsError { () throws(SecretsError) in try MasterKey(base64: base64(of: Array(repeating: 7, count: count))) }
        #expect(error?.message == "the master key must be exactly 32 bytes (base64 of 32 random bytes), got \(count)")
    }

    @Test(
        "text that is not base64 is refused",
        arguments: ["not base64!", "QUJD*", "@@@@", String(keyA.dropLast()), keyA + "A"])
    func badBase64(value: String) {
        let error = secretsError { () throws(SecretsError) in try MasterKey(base64: value) }
        #expect(error?.message == "the master key is not valid base64 (expected base64 of 32 random bytes)")
    }

    @Test("generated keys load and differ")
    func generated() throws {
        let first = MasterKey.generateBase64()
        let second = MasterKey.generateBase64()
        #expect(first != second)
        #expect(Data(base64Encoded: first)?.count == 32)
        _ = try MasterKey(base64: first)
    }
}

@Suite("MasterKey.fromEnvironment")
struct MasterKeyEnvironmentTests {
    static func writeKeyFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aam-mk-\(UUID().uuidString)").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("AAM_MASTER_KEY wins over AAM_MASTER_KEY_FILE")
    func variableWins() throws {
        let path = try Self.writeKeyFile(keyB)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = try MasterKey.fromEnvironment(["AAM_MASTER_KEY": keyA, "AAM_MASTER_KEY_FILE": path])
        #expect(key.id == (try MasterKey(base64: keyA)).id)
    }

    @Test("the file is used when the variable is absent or empty; a trailing newline is fine")
    func fileFallback() throws {
        let path = try Self.writeKeyFile(keyB + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try MasterKey(base64: keyB).id
        #expect(try MasterKey.fromEnvironment(["AAM_MASTER_KEY_FILE": path]).id == expected)
        #expect(try MasterKey.fromEnvironment(["AAM_MASTER_KEY": "", "AAM_MASTER_KEY_FILE": path]).id == expected)
        #expect(try MasterKey.fromFile(path).id == expected)
    }

    @Test("a bad variable is an error even when a good file is configured")
    func badVariableDoesNotFallBack() throws {
        let path = try Self.writeKeyFile(keyB)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = secretsError { () throws(SecretsError) in
            try MasterKey.fromEnvironment(["AAM_MASTER_KEY": "short", "AAM_MASTER_KEY_FILE": path])
        }
        #expect(error != nil)
    }

    @Test("no key configured names both variables", arguments: [[:], ["AAM_MASTER_KEY": "", "AAM_MASTER_KEY_FILE": ""], ["OTHER": keyA]])
    func missing(environment: [String: String]) {
        let error = secretsError { () throws(SecretsError) in try MasterKey.fromEnvironment(environment) }
        #expect(
            error?.message
                == "no master key: set AAM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or AAM_MASTER_KEY_FILE")
        #expect(error?.description == error?.message)
    }

    @Test("an unreadable key file is named in the error")
    func unreadableFile() {
        let path = "/nonexistent/aam/master.key"
        let error = secretsError { () throws(SecretsError) in try MasterKey.fromEnvironment(["AAM_MASTER_KEY_FILE": path]) }
        #expect(error?.message == "cannot read the master key file /nonexistent/aam/master.key")
    }

    @Test("a key file with the wrong contents reports the content problem")
    func badFileContents() throws {
        let path = try Self.writeKeyFile(base64(of: [1, 2, 3]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = secretsError { () throws(SecretsError) in try MasterKey.fromFile(path) }
        #expect(error?.message == "the master key must be exactly 32 bytes (base64 of 32 random bytes), got 3")
    }
}
