import AAMCore
import Foundation
import Testing

/// Splices with a fresh scan of `document`; the result must itself scan and parse.
private func splice(
    _ document: String, replacing: [String: String] = [:], removing: Set<String> = []
) throws -> String {
    let bytes = utf8(document)
    let scanner = try JSONObjectScanner(bytes)
    let output = JSONSplicer.splice(
        bytes, scan: scanner, replacing: replacing.mapValues { utf8($0) }, removing: removing)
    return String(decoding: output, as: UTF8.self)
}

/// Whether `json` is strictly valid (the scanner; Foundation on Linux tolerates trailing commas)
/// and parses (Foundation) to the same object as `expected`.
private func parsesEqual(_ json: String, _ expected: String) -> Bool {
    guard (try? JSONObjectScanner(utf8(json))) != nil, let actual = foundationObject(utf8(json)), let reference = foundationObject(utf8(expected)) else {
        return false
    }
    return actual.isEqual(reference)
}

@Suite("JSONSplicer")
struct JSONSplicerTests {
    @Test("replacing model changes only the value bytes")
    func replaceModel() throws {
        let document = #"{ "model" : "fast",  "messages":[{"role":"user","content":"model"}], "stream":true }"#
        let output = try splice(document, replacing: ["model": #""gpt-4o-2024-08-06""#])
        #expect(output == #"{ "model" : "gpt-4o-2024-08-06",  "messages":[{"role":"user","content":"model"}], "stream":true }"#)
        #expect(parsesEqual(output, #"{"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"model"}],"stream":true}"#))
    }

    @Test("replacing with a value of another kind and length")
    func replaceWithOtherKind() throws {
        let output = try splice(#"{"a":[1,2,3],"b":{"c":null},"d":"x"}"#, replacing: ["a": "null", "b": "42", "d": #"{"e":[]}"#])
        #expect(output == #"{"a":null,"b":42,"d":{"e":[]}}"#)
    }

    @Test("a key spelled with escapes is replaced as its unescaped name")
    func replaceEscapedKey() throws {
        let output = try splice(#"{"m\u006fdel":"fast"}"#, replacing: ["model": #""slow""#])
        #expect(parsesEqual(output, #"{"model":"slow"}"#))
    }

    @Test("a document with a duplicate key never reaches the splicer: the scan refuses it")
    func replaceDuplicates() throws {
        #expect(throws: JSONObjectScanner.Failure.self) { _ = try splice(#"{"model":"a","x":1,"model":"b"}"#, replacing: ["model": #""upstream""#]) }
    }

    @Test(
        "removing a member leaves valid JSON with the other members",
        arguments: [
            (#"{"a":1,"b":2,"c":3}"#, "a", #"{"b":2,"c":3}"#),
            (#"{"a":1,"b":2,"c":3}"#, "b", #"{"a":1,"c":3}"#),
            (#"{"a":1,"b":2,"c":3}"#, "c", #"{"a":1,"b":2}"#),
            (#"{"a":1}"#, "a", "{}"),
            (#"{ "a" : [1,{"x":","}] , "b" : "," , "c" : {"d":":"} }"#, "a", #"{"b":",","c":{"d":":"}}"#),
            (#"{ "a" : [1,{"x":","}] , "b" : "," , "c" : {"d":":"} }"#, "b", #"{"a":[1,{"x":","}],"c":{"d":":"}}"#),
            (#"{ "a" : [1,{"x":","}] , "b" : "," , "c" : {"d":":"} }"#, "c", #"{"a":[1,{"x":","}],"b":","}"#),
            ("{\n  \"a\": 1,\n  \"b\": 2\n}", "b", #"{"a":1}"#),
            ("{\n  \"a\": 1,\n  \"b\": 2\n}", "a", #"{"b":2}"#),
            (#"{"k\"ey":1,"b":2}"#, "k\"ey", #"{"b":2}"#),
            (#"{"b":2,"k\"ey":1}"#, "k\"ey", #"{"b":2}"#),
            (#"{"b":2,"k\\":1}"#, "k\\", #"{"b":2}"#),
            (#"{"b":2,"a:b":1}"#, "a:b", #"{"b":2}"#),
            (#"{"b":"x\"","a":1}"#, "a", #"{"b":"x\""}"#),
            (#"{"a":1}"#, "missing", #"{"a":1}"#),
        ])
    func remove(document: String, key: String, expected: String) throws {
        let output = try splice(document, removing: [key])
        #expect(parsesEqual(output, expected), "\(output)")
        #expect((try? JSONObjectScanner(utf8(output))) != nil, "\(output)")
    }

    @Test(
        "removing several members, adjacent or not, leaves valid JSON",
        arguments: [
            (["a", "b"], #"{"c":3,"d":4}"#),
            (["b", "c"], #"{"a":1,"d":4}"#),
            (["c", "d"], #"{"a":1,"b":2}"#),
            (["a", "d"], #"{"b":2,"c":3}"#),
            (["b", "c", "d"], #"{"a":1}"#),
            (["a", "b", "c", "d"], "{}"),
        ])
    func removeSeveral(keys: [String], expected: String) throws {
        for document in [#"{"a":1,"b":2,"c":3,"d":4}"#, "{ \"a\" : 1 , \"b\" : 2 , \"c\" : 3 , \"d\" : 4 }", "{\n\"a\":1,\n\"b\":2,\n\"c\":3,\n\"d\":4\n}"] {
            let output = try splice(document, removing: Set(keys))
            #expect(parsesEqual(output, expected), "\(document) -> \(output)")
        }
    }

    @Test(
        "adding members to empty and non-empty objects",
        arguments: [
            ("{}", #"{"model":"m"}"#),
            (" { \n } ", #"{"model":"m"}"#),
            (#"{"a":1}"#, #"{"a":1,"model":"m"}"#),
            (#"{"a":{"b":{}}}"#, #"{"a":{"b":{}},"model":"m"}"#),
            (#"{ "a" : "}" } "#, #"{"a":"}","model":"m"}"#),
        ])
    func add(document: String, expected: String) throws {
        let output = try splice(document, replacing: ["model": #""m""#])
        #expect(parsesEqual(output, expected), "\(output)")
    }

    @Test("added members are appended in key order")
    func addSeveral() throws {
        #expect(try splice("{}", replacing: ["b": "2", "a": "1", "c": "3"]) == #"{"a":1,"b":2,"c":3}"#)
        #expect(try splice(#"{"x":0}"#, replacing: ["b": "2", "a": "1"]) == #"{"x":0,"a":1,"b":2}"#)
    }

    @Test("an added key that needs escaping is escaped")
    func addEscapedKey() throws {
        let output = try splice("{}", replacing: ["we\"ird\\key": "1"])
        let parsed = try #require(foundationObject(utf8(output)))
        #expect(parsed["we\"ird\\key"] as? Int == 1)
    }

    @Test("replace, remove and add in one splice")
    func combined() throws {
        let document = #"{"model":"fast","stream_options":{"include_usage":false},"user":"u1","stream":true}"#
        let output = try splice(
            document, replacing: ["model": #""gpt-4o""#, "max_completion_tokens": "100"],
            removing: ["user", "stream_options"])
        #expect(parsesEqual(output, #"{"model":"gpt-4o","stream":true,"max_completion_tokens":100}"#), "\(output)")
    }

    @Test("removing the only member and adding another")
    func removeOnlyThenAdd() throws {
        let output = try splice(#"{"a":1}"#, replacing: ["b": "2"], removing: ["a"])
        #expect(parsesEqual(output, #"{"b":2}"#), "\(output)")
        let lastRemoved = try splice(#"{"a":1,"b":2}"#, replacing: ["c": "3"], removing: ["b"])
        #expect(parsesEqual(lastRemoved, #"{"a":1,"c":3}"#), "\(lastRemoved)")
    }

    /// Every subset of members removed, with one member replaced and one added, over several
    /// layouts: the result always parses to the expected object.
    @Test("exhaustive: every removal subset × replace × add over several layouts")
    func exhaustive() throws {
        let keys = ["a", "b", "c", "d"]
        let values = ["a": "1", "b": #""x,y""#, "c": #"[1,{"z":":"}]"#, "d": "null"]
        let layouts: [(String, String)] = [("", ""), (" ", " "), ("\n  ", "\n"), ("\t", "\r\n")]
        for (inner, outer) in layouts {
            let document = "{" + outer + keys.map { "\"\($0)\"\(inner):\(inner)\(values[$0]!)" }.joined(separator: inner + "," + outer) + outer + "}"
            for mask in 0..<(1 << keys.count) {
                let removed = Set(keys.indices.filter { mask & (1 << $0) != 0 }.map { keys[$0] })
                for replaced in keys + [nil] as [String?] {
                    var replacing = ["added": #""new""#]
                    if let replaced, !removed.contains(replaced) { replacing[replaced] = "true" }
                    let output = try splice(document, replacing: replacing, removing: removed)
                    var expected: [String: Any] = ["added": "new"]
                    for key in keys where !removed.contains(key) {
                        expected[key] = try JSONSerialization.jsonObject(with: Data(values[key]!.utf8), options: .fragmentsAllowed)
                    }
                    if let replaced, !removed.contains(replaced) { expected[replaced] = true }
                    let parsed = foundationObject(utf8(output))
                    #expect(parsed?.isEqual(to: expected) == true, "\(document) removing \(removed.sorted()) -> \(output)")
                    #expect((try? JSONObjectScanner(utf8(output))) != nil, "\(output)")
                }
            }
        }
    }

    @Test(
        "quoted produces a JSON string literal that parses back to the input",
        arguments: [
            "", "plain", "quote \" backslash \\ slash /", "new\nline\r\ttab", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}",
            "é € 😀 \u{10FFFF}", "\u{2028}\u{2029}", "</script>",
        ])
    func quoted(_ text: String) throws {
        let literal = JSONSplicer.quoted(text)
        let parsed = try JSONSerialization.jsonObject(with: Data(literal), options: .fragmentsAllowed) as? String
        #expect(parsed == text)
        #expect(!literal.dropFirst().dropLast().contains { $0 < 0x20 }, "no raw control characters")
        let bytes = utf8(#"{"k":"#) + literal + utf8("}")
        #expect(try JSONObjectScanner(bytes).string("k", in: bytes).value == text)
    }

    @Test("quoted uses the short escapes and four-digit hex for other control characters")
    func quotedExactBytes() {
        let literal = String(decoding: JSONSplicer.quoted("a\"b\\c\nd\re\tf\u{1}g\u{1F}"), as: UTF8.self)
        #expect(literal == #""a\"b\\c\nd\re\tf\u0001g\u001f""#)
    }
    /// Fuzzing found (Fuzz/regressions/json-scanner/splice-appends-case-folded-duplicate.json)
    /// that the pass-through splice appended `stream_options` beside the client's
    /// `STREAM_OPTIONS`: one key twice for a receiver that folds case (Go), the last winning.
    @Test("a replaced member is found under any spelling that folds to its name, and renamed")
    func replaceFoldsKeys() throws {
        let document = #"{"model":"a","stream":true,"STREAM_OPTIONS":{"include_usage":false},"messages":[]}"#
        let output = try splice(document, replacing: ["model": #""up""#, "stream_options": #"{"include_usage":true}"#])
        #expect(output == #"{"model":"up","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#)
        let keys = try JSONObjectScanner(utf8(output)).members.map(\.key)
        #expect(keys == ["model", "stream", "stream_options", "messages"])
        // Escaped and non-ASCII spellings (Kelvin sign folds to k) are the same key too.
        let escaped = try splice(#"{ "mod\u0045l" : "a", "\u212Aey":1}"#, replacing: ["model": #""up""#, "key": "2"])
        #expect(escaped == #"{ "model":"up", "key":2}"#)
        #expect(try JSONObjectScanner(utf8(escaped)).members.count == 2)
    }

    @Test("a removed member is found under any spelling that folds to its name")
    func removeFoldsKeys() throws {
        let output = try splice(#"{"a":1,"Stream_Options":{},"b":2}"#, removing: ["stream_options"])
        #expect(output == #"{"a":1,"b":2}"#)
    }
}
