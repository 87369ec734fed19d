import AAMCore
import Foundation
import Testing

@Suite("JSONObjectScanner typed member reads")
struct JSONMemberReaderTests {
    let bytes = utf8(
        #"{"model":"gpt-4o","stream":true,"off":false,"max_tokens":256,"zero":0,"none":null,"list":[1],"obj":{"a":1},"neg":-5,"frac":1.5,"exp":1e3,"big":9223372036854775807,"huge":9223372036854775808,"text":"12"}"#
    )

    @Test("string reads a string, treats null and absence alike, and names other kinds wrong")
    func strings() throws {
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.string("model", in: bytes).value == "gpt-4o")
        #expect(scanner.string("text", in: bytes).value == "12")
        #expect(scanner.string("missing", in: bytes).isAbsent)
        #expect(scanner.string("none", in: bytes).isAbsent)
        for key in ["stream", "max_tokens", "list", "obj"] {
            #expect(scanner.string(key, in: bytes).isWrongType, "\(key)")
        }
    }

    @Test("bool reads true and false only")
    func bools() throws {
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.bool("stream", in: bytes).value == true)
        #expect(scanner.bool("off", in: bytes).value == false)
        #expect(scanner.bool("missing", in: bytes).isAbsent)
        #expect(scanner.bool("none", in: bytes).isAbsent)
        for key in ["model", "zero", "list", "obj", "text"] {
            #expect(scanner.bool(key, in: bytes).isWrongType, "\(key)")
        }
    }

    @Test("integer reads non-negative integers up to Int.max")
    func integers() throws {
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.integer("max_tokens", in: bytes).value == 256)
        #expect(scanner.integer("zero", in: bytes).value == 0)
        #expect(scanner.integer("big", in: bytes).value == Int.max)
        #expect(scanner.integer("missing", in: bytes).isAbsent)
        #expect(scanner.integer("none", in: bytes).isAbsent)
    }

    @Test(
        "integer rejects negatives, fractions, exponents, overflow and non-numbers",
        arguments: ["neg", "frac", "exp", "huge", "text", "model", "stream", "list", "obj"])
    func integerRejects(_ key: String) throws {
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.integer(key, in: bytes).isWrongType)
    }

    @Test(
        "integer rejects every spelling that is not a plain non-negative integer",
        arguments: ["-0", "-1", "0.0", "1.0", "1e0", "1E2", "2e-1", "99999999999999999999", "18446744073709551616"])
    func integerSpellings(_ number: String) throws {
        let bytes = utf8("{\"n\":\(number)}")
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.integer("n", in: bytes).isWrongType)
    }

    @Test("a duplicate key is refused before any typed read (no reader picks one of two values)")
    func duplicates() throws {
        let bytes = utf8(#"{"n":1,"s":"a","b":true,"n":2,"s":"b","b":false}"#)
        #expect(throws: JSONObjectScanner.Failure.self) { _ = try JSONObjectScanner(bytes) }
    }

    @Test("rawValue returns a member's exact bytes, which scan again as an object")
    func rawValue() throws {
        let scanner = try JSONObjectScanner(bytes)
        let raw = try #require(scanner.rawValue("obj", in: bytes))
        #expect(String(decoding: raw, as: UTF8.self) == #"{"a":1}"#)
        let inner = try JSONObjectScanner(Array(raw))
        #expect(inner.integer("a", in: Array(raw)).value == 1)
        #expect(scanner.rawValue("none", in: bytes).map { Array($0) } == utf8("null"))
        #expect(scanner.rawValue("missing", in: bytes) == nil)
    }
}
