import Testing

@testable import AAMProviders

@Suite struct WireJSONTests {
    @Test func roundTripKeepsKeyOrderAndNumberLiterals() throws {
        let text = #"{"z":1,"a":0.70,"m":[true,false,null,-1.5e3],"s":"caf\u00e9 \"q\" \\ /"}"#
        let value = try WireJSON.parse(text)
        #expect(value.serializedString() == #"{"z":1,"a":0.70,"m":[true,false,null,-1.5e3],"s":"café \"q\" \\ /"}"#)
        #expect(value["a"]?.doubleValue == 0.7)
        #expect(value["z"]?.intValue == 1)
    }

    @Test func sortedKeysForGoldenFiles() throws {
        #expect(try WireJSON.parse(#"{"b":1,"a":{"d":2,"c":3}}"#).serializedString(sortedKeys: true) == #"{"a":{"c":3,"d":2},"b":1}"#)
    }

    @Test func structuralEqualityIgnoresKeyOrderAndNumberSpelling() throws {
        #expect(try WireJSON.parse(#"{"a":1,"b":[1.0]}"#) == WireJSON.parse(#"{"b":[1],"a":1.00}"#))
        #expect(try WireJSON.parse(#"{"a":1}"#) != WireJSON.parse(#"{"a":"1"}"#))
        #expect(try WireJSON.parse("[1,2]") != WireJSON.parse("[2,1]"))
    }

    @Test func escapesAndSurrogatePairs() throws {
        let value = try WireJSON.parse(#""line\nbreak\ttab \ud83d\ude00 \u0001""#)
        #expect(value.stringValue == "line\nbreak\ttab 😀 \u{01}")
        #expect(value.serializedString() == #""line\nbreak\ttab 😀 \u0001""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "-", "\"abc", "\"\\x\"", "\"\\ud800\"", "{} {}", "[1 2]", "\"a\nb\"", "{1:2}",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: TranslationError.self) { try WireJSON.parse(text) }
    }

    @Test func deepNestingIsRejectedNotCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: TranslationError.self) { try WireJSON.parse(deep) }
        #expect(error?.message.contains("nesting") == true)
    }

    @Test func errorNamesContextAndOffset() {
        let error = #expect(throws: TranslationError.self) { try WireJSON.parse("{\"a\":}", context: "request body") }
        #expect(error?.message == "request body: invalid JSON at byte 5: unexpected character")
    }

    @Test func objectEditing() {
        var object: WireJSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(WireJSON.object(object).serializedString() == #"{"a":3,"c":4}"#)
    }

    @Test func doublesFormatAsValidJSON() throws {
        #expect(WireJSON.double(0.7).serializedString() == "0.7")
        #expect(WireJSON.double(2).serializedString() == "2")
        #expect(WireJSON.double(.nan) == .null)
        #expect(try WireJSON.parse(WireJSON.double(1e-7).serializedString()).doubleValue == 1e-7)
    }
}
