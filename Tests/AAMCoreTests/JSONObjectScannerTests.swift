import AAMCore
import Foundation
import Testing

@Suite("JSONObjectScanner: valid documents")
struct JSONObjectScannerValidTests {
    @Test(
        "accepts objects holding every kind of value",
        arguments: [
            "{}",
            " \t\r\n{ \t\r\n} \t\r\n",
            #"{"a":1}"#,
            #"{"a":-0}"#,
            #"{"a":0.5}"#,
            #"{"a":-12.75e+10}"#,
            #"{"a":1E5}"#,
            #"{"a":1e-5}"#,
            #"{"a":123456789012345678901234567890}"#,
            #"{"a":"text"}"#,
            #"{"a":""}"#,
            #"{"a":true,"b":false,"c":null}"#,
            #"{"a":[]}"#,
            #"{"a":[1,"two",[3],{"four":4},null,true]}"#,
            #"{"a":{}}"#,
            #"{"a":{"b":{"c":[{"d":[]}]}}}"#,
            #"{"":"empty key"}"#,
            #"{"a" : 1 , "b" : [ 1 , 2 ] , "c" : { "d" : null } }"#,
            #"{"esc":"\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00"}"#,
            #"{"nul":"\u0000"}"#,
            "{\"utf8\":\"é € 😀 \u{7F} \u{10FFFF}\"}",
            #"{"a":"{not a member}","b":"[\"x\",]"}"#,
        ])
    func acceptsValidDocuments(_ document: String) throws {
        let scanner = try JSONObjectScanner(utf8(document))
        let reference = try #require(foundationObject(utf8(document)), "Foundation must agree the fixture is valid")
        #expect(Set(scanner.members.map(\.key)) == Set(reference.allKeys.compactMap { $0 as? String }))
    }

    @Test("records each top-level member's key, kind and exact value bytes")
    func memberRanges() throws {
        let document = #"{ "s" : "x\"y" , "n":-1.5e3,"t":true,"f":false,"z":null,"a":[1, {"k":[]}],"o":{"in":"ner"} }"#
        let bytes = utf8(document)
        let scanner = try JSONObjectScanner(bytes)
        let expected: [(String, JSONObjectScanner.Kind, String)] = [
            ("s", .string, #""x\"y""#),
            ("n", .number, "-1.5e3"),
            ("t", .bool, "true"),
            ("f", .bool, "false"),
            ("z", .null, "null"),
            ("a", .array, #"[1, {"k":[]}]"#),
            ("o", .object, #"{"in":"ner"}"#),
        ]
        #expect(scanner.members.count == expected.count)
        for (member, (key, kind, raw)) in zip(scanner.members, expected) {
            #expect(member.key == key)
            #expect(member.kind == kind)
            #expect(String(decoding: bytes[member.valueRange], as: UTF8.self) == raw)
        }
    }

    @Test("nested members are not indexed as top-level members")
    func onlyTopLevelMembers() throws {
        let scanner = try JSONObjectScanner(utf8(#"{"outer":{"model":"inner"},"list":[{"model":"x"}]}"#))
        #expect(scanner.members.map(\.key) == ["outer", "list"])
        #expect(scanner.member("model") == nil)
    }

    @Test("an empty object has no members")
    func emptyObject() throws {
        #expect(try JSONObjectScanner(utf8("{}")).members.isEmpty)
        #expect(try JSONObjectScanner(utf8(" {\n} ")).members.isEmpty)
    }

    @Test("duplicate keys are refused, naming the key (see JSONDuplicateKeyTests)")
    func duplicateKeysRefused() throws {
        let bytes = utf8(#"{"model":"first","x":1,"model":"second"}"#)
        do {
            _ = try JSONObjectScanner(bytes)
            Issue.record("a duplicate key was accepted")
        } catch {
            #expect(error.duplicateKey == "model")
            #expect(error.description.contains(#"duplicate key "model""#))
        }
    }

    @Test(
        "keys and string values are unescaped",
        arguments: [
            (#""m\u006fdel""#, "model"),
            (#""\"quoted\"""#, "\"quoted\""),
            (#""back\\slash""#, "back\\slash"),
            (#""\/""#, "/"),
            (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
            (#""\u00e9\u00E9""#, "éé"),
            (#""\u20ac""#, "€"),
            (#""\ud83d\ude00""#, "😀"),
            (#""\uD834\uDD1E""#, "𝄞"),
            (#""\udbff\udfff""#, "\u{10FFFF}"),
            (#""\u0000""#, "\u{0}"),
            ("\"é😀\"", "é😀"),
        ])
    func unescapes(literal: String, expected: String) throws {
        let bytes = utf8("{\(literal):\(literal)}")
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.members.map(\.key) == [expected])
        #expect(scanner.string(expected, in: bytes).value == expected)
    }

    @Test(
        "a lone surrogate escape becomes U+FFFD without swallowing what follows",
        arguments: [
            (#""\ud800""#, "\u{FFFD}"),
            (#""\udc00""#, "\u{FFFD}"),
            (#""\ud800x""#, "\u{FFFD}x"),
            (#""\ud800\n""#, "\u{FFFD}\n"),
            (#""\ud800\u0041""#, "\u{FFFD}A"),
            (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"),
            (#""\udc00\ud800""#, "\u{FFFD}\u{FFFD}"),
        ])
    func loneSurrogates(literal: String, expected: String) throws {
        let bytes = utf8("{\"k\":\(literal)}")
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.string("k", in: bytes).value == expected)
    }

    @Test("nesting up to maxDepth containers below the top-level object is accepted")
    func maximumDepthAccepted() throws {
        let depth = JSONObjectScanner.maxDepth
        let bytes = utf8("{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}")
        let scanner = try JSONObjectScanner(bytes)
        #expect(scanner.member("a")?.kind == .array)
        let mixed = utf8("{\"a\":" + String(repeating: "{\"b\":", count: depth) + "1" + String(repeating: "}", count: depth) + "}")
        #expect(try JSONObjectScanner(mixed).member("a")?.kind == .object)
    }

    @Test("brackets inside strings do not count toward depth")
    func bracketsInStringsAreText() throws {
        let bytes = utf8("{\"a\":\"" + String(repeating: "[{", count: 10_000) + "\"}")
        #expect(try JSONObjectScanner(bytes).member("a")?.kind == .string)
    }
}

@Suite("JSONObjectScanner: rejected documents")
struct JSONObjectScannerRejectionTests {
    @Test(
        "rejects documents whose top level is not an object",
        arguments: ["", "   ", "[]", "[{}]", "1", "\"s\"", "true", "null", "\u{FEFF}{}", "\u{0C}{}"])
    func nonObjectTopLevel(_ document: String) {
        #expect(scan(document).failure?.message == "expected a JSON object")
    }

    @Test(
        "rejects trailing data after the object",
        arguments: ["{} {}", "{}x", "{}]", "{}}", "{},", "{}\u{0}", #"{"a":1}"b""#])
    func trailingGarbage(_ document: String) {
        #expect(scan(document).failure?.message == "unexpected data after the JSON object")
    }

    @Test("the failure offset points at the first offending byte")
    func failureOffset() throws {
        let failure = try #require(scan(#"{"a":1}  x"#).failure)
        #expect(failure.offset == 9)
        #expect(failure.description == "unexpected data after the JSON object at byte 9")
        let literal = try #require(scan(#"{"a":tru}"#).failure)
        #expect(literal.message == "invalid literal" && literal.offset == 5)
        let control = try #require(scan("{\"a\":\"x\u{01}\"}").failure)
        #expect(control.message == "control character in string" && control.offset == 7)
    }

    @Test(
        "rejects trailing and stray commas",
        arguments: [
            #"{"a":1,}"#, #"{,}"#, #"{"a":1,,"b":2}"#, #"{"a":[1,]}"#, #"{"a":[,1]}"#, #"{"a":[1,,2]}"#,
            #"{"a":{"b":1,}}"#, #"{"a":1 "b":2}"#, #"{"a":[1 2]}"#,
        ])
    func commas(_ document: String) {
        #expect(scan(document).failure != nil)
    }

    @Test(
        "rejects numbers JSON forbids",
        arguments: [
            "01", "00", "-01", "012.5", "-", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-e5", "0x10", "1_000",
            "NaN", "Infinity", "-Infinity", "1..2", "--1", "0.5.5",
        ])
    func invalidNumbers(_ number: String) {
        let document = "{\"a\":\(number)}"
        #expect(scan(document).failure != nil, "\(document)")
        #expect(scan("{\"a\":[\(number)]}").failure != nil)
        #expect(foundationObject(utf8(document)) == nil, "Foundation agrees \(document) is invalid")
    }

    @Test(
        "rejects malformed literals, keys and structure",
        arguments: [
            "{", "}", #"{"a""#, #"{"a":"#, #"{"a":1"#, #"{"a" 1}"#, #"{a:1}"#, #"{'a':1}"#, #"{"a":'x'}"#,
            #"{"a":tru}"#, #"{"a":True}"#, #"{"a":nul}"#, #"{"a":nulll}"#, #"{"a":falsey}"#, #"{"a":undefined}"#,
            #"{"a":[}"#, #"{"a":{]}"#, #"{"a":[1}"#, #"{"a":{"b"}}"#, #"{"a":{"b":}}"#, #"{"a":{1:2}}"#,
            #"{"a":"unterminated}"#, #"{"a":"x\"}"#, #"{"a":1}}"#, #"{"a"::1}"#, #"{1:1}"#,
            "{\"a\":\u{A0}1}", "{\"a\":\u{0B}1}",
        ])
    func malformed(_ document: String) {
        #expect(scan(document).failure != nil)
    }

    @Test(
        "rejects invalid escapes",
        arguments: [
            #""\x""#, #""\a""#, #""\U0041""#, #""\u""#, #""\u12""#, #""\u12G4""#, #""\u-123""#, #""\'""#,
            #""\ud800\u12""#, #""\"#,
        ])
    func invalidEscapes(_ literal: String) {
        #expect(scan("{\"k\":\(literal)}").failure != nil)
        #expect(scan("{\(literal):1}").failure != nil)
    }

    @Test("rejects every unescaped control character in strings, in values and keys", arguments: 0..<0x20)
    func controlCharacters(_ code: Int) {
        let control = UInt8(code)
        let inValue = utf8(#"{"k":"a"#) + [control] + utf8(#"b"}"#)
        let inKey = utf8(#"{"a"#) + [control] + utf8(#"b":1}"#)
        #expect(scan(inValue).failure?.message == "control character in string")
        #expect(scan(inKey).failure?.message == "control character in string")
    }

    @Test(
        "rejects invalid UTF-8 in strings",
        arguments: [
            [0x80],  // lone continuation byte
            [0xBF],
            [0xC0, 0xAF],  // overlong "/"
            [0xC1, 0xBF],  // overlong 2-byte
            [0xE0, 0x80, 0xAF],  // overlong 3-byte "/"
            [0xE0, 0x9F, 0xBF],  // overlong 3-byte (U+07FF)
            [0xF0, 0x80, 0x80, 0xAF],  // overlong 4-byte "/"
            [0xF0, 0x8F, 0xBF, 0xBF],  // overlong 4-byte (U+FFFF)
            [0xED, 0xA0, 0x80],  // UTF-8-encoded high surrogate U+D800
            [0xED, 0xBF, 0xBF],  // UTF-8-encoded low surrogate U+DFFF
            [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],  // CESU-8 surrogate pair
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0xF8, 0x88, 0x80, 0x80, 0x80],  // 5-byte form
            [0xFE], [0xFF],
            [0xC3],  // truncated 2-byte, followed by the closing quote
            [0xE2, 0x82],  // truncated 3-byte
            [0xF0, 0x9F, 0x98],  // truncated 4-byte
            [0xC3, 0x41],  // continuation replaced by ASCII
            [0xE2, 0x28, 0xA1],
            [0xF0, 0x9F, 0x28, 0x80],
        ] as [[UInt8]])
    func invalidUTF8(_ sequence: [UInt8]) {
        let inValue = utf8(#"{"k":"x"#) + sequence + utf8(#""}"#)
        let inKey = utf8(#"{"x"#) + sequence + utf8(#"":1}"#)
        #expect(scan(inValue).failure?.message == "invalid UTF-8")
        #expect(scan(inKey).failure?.message == "invalid UTF-8")
        #expect(String(validating: sequence, as: UTF8.self) == nil, "fixture is really invalid UTF-8")
    }

    @Test("rejects a string that ends inside a multi-byte sequence at end of input")
    func truncatedAtEndOfInput() {
        #expect(scan(utf8(#"{"k":"x"#) + [0xF0, 0x9F]).failure != nil)
        #expect(scan(utf8(#"{"k":"x"#) + [0xE2]).failure != nil)
    }

    @Test("rejects non-ASCII bytes outside strings")
    func nonASCIIOutsideStrings() {
        #expect(scan(utf8("{\"a\":") + [0xC3, 0xA9] + utf8("}")).failure != nil)
        #expect(scan([0xEF, 0xBB, 0xBF] + utf8("{}")).failure != nil)
    }

    @Test("nesting one level deeper than maxDepth throws")
    func oneTooDeep() {
        let depth = JSONObjectScanner.maxDepth + 1
        let arrays = "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(scan(arrays).failure?.message == "JSON nested too deeply")
        let objects = "{\"a\":" + String(repeating: "{\"b\":", count: depth) + "1" + String(repeating: "}", count: depth) + "}"
        #expect(scan(objects).failure?.message == "JSON nested too deeply")
    }

    @Test("hostile nesting (100,000 levels) throws instead of overflowing the stack", arguments: ["[", "{\"a\":", "[{\"a\":"])
    func hostileNesting(_ opener: String) {
        let document = "{\"a\":" + String(repeating: opener, count: 100_000)
        #expect(scan(document).failure?.message == "JSON nested too deeply")
        let balanced = document + String(repeating: opener == "[" ? "]" : "}", count: 100_000) + "}"
        #expect(scan(balanced).failure?.message == "JSON nested too deeply")
    }
}
