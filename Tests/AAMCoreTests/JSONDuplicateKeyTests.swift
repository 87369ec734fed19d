import AAMCore
import Foundation
import Testing

/// The one rule for JSON the gateway decides on (`JSONKeyRule`): an object holding the same key
/// twice, at any depth, is refused by the scanner (`JSONObjectScanner`, `validate`) and by the
/// key set other parsers use (`JSONKeySet`). "The same" means equal after decoding escapes and
/// folding letter case, so no receiver (first-wins, last-wins, Go's case-insensitive fields,
/// Swift's canonical equivalence) can read a second value the gateway did not judge.
@Suite struct JSONDuplicateKeyTests {
    /// The failure of scanning `json` as an object, and of validating it as any value (both must agree).
    static func failure(_ json: String) -> JSONObjectScanner.Failure? {
        let bytes = Array(json.utf8)
        var scanFailure: JSONObjectScanner.Failure?
        do { _ = try JSONObjectScanner(bytes) } catch { scanFailure = error }
        var validateFailure: JSONObjectScanner.Failure?
        do { try JSONObjectScanner.validate(bytes) } catch { validateFailure = error }
        #expect(scanFailure == validateFailure, "scanner and validate disagree on \(json)")
        return scanFailure
    }

    static func expectDuplicate(_ json: String, key: String, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let failure = failure(json)
        #expect(failure?.duplicateKey == key, "\(json): \(failure?.description ?? "accepted")", sourceLocation: sourceLocation)
        #expect(failure?.message.contains("duplicate key") == true, sourceLocation: sourceLocation)
    }

    @Test func theIssuesAttacksAreRefused() {
        // Top level: first-wins decided "ping", last-wins servers run tools/call.
        Self.expectDuplicate(#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{}}"#, key: "method")
        // One level down: the record said the allowed tool, the server ran the denied one.
        Self.expectDuplicate(#"{"params":{"name":"sf_get_account","name":"sf_export","arguments":{}}}"#, key: "name")
        // Two levels down: an argument read as 5 by the policy and 999999 by the tool.
        Self.expectDuplicate(#"{"params":{"name":"pay","arguments":{"amount":5,"amount":999999}}}"#, key: "amount")
    }

    @Test func nestedObjectsAndArraysOfObjects() {
        Self.expectDuplicate(#"{"a":{"b":{"c":{"d":1,"d":2}}}}"#, key: "d")
        Self.expectDuplicate(#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"a","content":"b"}]}"#, key: "content")
        Self.expectDuplicate(#"{"k":[[{"x":1}],[{"y":1,"y":1}]]}"#, key: "y")
        // The same key in sibling objects, at other depths, or as a value is fine.
        #expect(Self.failure(#"{"a":{"k":1},"b":{"k":2},"k":{"k":{"k":3}},"list":[{"k":1},{"k":2}],"v":"k"}"#) == nil)
        // After a nested object closes, its keys no longer count for the outer one...
        #expect(Self.failure(#"{"outer":{"x":1,"y":2},"x":3,"y":4}"#) == nil)
        // ...and the outer object's keys still do after a nested one.
        Self.expectDuplicate(#"{"x":1,"inner":{"x":2},"x":3}"#, key: "x")
        // validate() holds any JSON value to the rule, e.g. an array of admin rows.
        do {
            try JSONObjectScanner.validate(Array(#"[{"model":"a"},{"model":"a","model":"b"}]"#.utf8))
            Issue.record("validate accepted a duplicate in an array element")
        } catch { #expect(error.duplicateKey == "model") }
        #expect((try? JSONObjectScanner.validate(Array(#" [1, "x", {"a":[{"a":1}]}, null] "#.utf8))) != nil)
    }

    @Test func escapedSpellingsOfOneKeyAreOneKey() {
        Self.expectDuplicate(#"{"a":1,"\u0061":2}"#, key: "a")
        Self.expectDuplicate(#"{"\u006d\u0065thod":"ping","method":"tools/call"}"#, key: "method")
        Self.expectDuplicate(#"{"a\/b":1,"a/b":2}"#, key: "a/b")
        Self.expectDuplicate(#"{"caf\u00e9":1,"café":2}"#, key: "café")
        Self.expectDuplicate(#"{"\ud83d\ude00":1,"😀":2}"#, key: "😀")
        // Distinct keys that merely look alike stay distinct.
        #expect(Self.failure(#"{"a":1,"\u0062":2,"a\u0000":3,"ab":4}"#) == nil)
    }

    @Test func keysOneReceiverWouldMergeAreOneKey() {
        // Go's encoding/json matches fields case-insensitively (with Unicode folding).
        Self.expectDuplicate(#"{"method":"ping","METHOD":"tools/call"}"#, key: "METHOD")
        Self.expectDuplicate(#"{"Name":"a","nAmE":"b"}"#, key: "nAmE")
        Self.expectDuplicate(#"{"key":1,"\u212Aey":2}"#, key: "\u{212A}ey")  // Kelvin sign folds to k
        Self.expectDuplicate(#"{"class":1,"cla\u017Fs":2}"#, key: "cla\u{17F}s")  // long s folds to s
        // Swift compares strings by canonical equivalence: é and e + combining acute are one key.
        Self.expectDuplicate(#"{"é":1,"e\u0301":2}"#, key: "e\u{301}")
        // The message says which spellings collided.
        let failure = Self.failure(#"{"name":"a","NAME":"b"}"#)
        #expect(failure?.message.contains(#""NAME""#) == true)
        #expect(failure?.message.contains(#""name""#) == true)
        // Non-letters that differ by 0x20 in ASCII are not folded.
        #expect(Self.failure(#"{"@":1,"`":2,"[":3,"{":4}"#) == nil)
    }

    @Test func objectsWithManyKeysAreCheckedInLinearTime() {
        // Past the linear limit the object switches to a hash index: a duplicate is still found,
        // whether plain, escaped or case-folded, and a large distinct object passes quickly.
        let keys = (0..<5_000).map { "\"key\($0)\":\($0)" }
        let base = keys.joined(separator: ",")
        #expect(Self.failure("{\(base)}") == nil)
        Self.expectDuplicate("{\(base),\"key4999\":0}", key: "key4999")
        Self.expectDuplicate("{\(base),\"\\u006bey17\":0}", key: "key17")
        Self.expectDuplicate("{\(base),\"KEY3\":0}", key: "KEY3")
        Self.expectDuplicate("{\"nested\":{\(base),\"key0\":1}}", key: "key0")
        // Many small objects each with the linear path, none sharing state.
        let many = (0..<2_000).map { #"{"role":"user","content":"\#($0)"}"# }.joined(separator: ",")
        #expect(Self.failure(#"{"messages":[\#(many)]}"#) == nil)
        let clock = ContinuousClock()
        let wide = "{" + (0..<100_000).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
        let elapsed = clock.measure { _ = Self.failure(wide) }
        #expect(elapsed < .seconds(20), "100k keys took \(elapsed)")
    }

    @Test func theScannersOtherGuaranteesHold() {
        // Depth cap, UTF-8, control characters: unchanged by the rule, and reported before it.
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(Self.failure(#"{"a":\#(deep)}"#)?.message.contains("nested too deeply") == true)
        var invalid = Array(#"{"a":1,"a"#.utf8)
        invalid += [0xFF]
        invalid += Array(#"":2}"#.utf8)
        #expect(throws: JSONObjectScanner.Failure.self) { _ = try JSONObjectScanner(invalid) }
        #expect(Self.failure("{\"a\":1,\"a\u{01}\":2}")?.message.contains("control character") == true)
        // The offset points at the second key.
        #expect(Self.failure(#"{"a":1,"a":2}"#)?.offset == 7)
    }

    @Test func aHostileKeyIsShownCappedAndEscaped() {
        let long = String(repeating: "x", count: 10_000)
        let failure = Self.failure(#"{"\#(long)":1,"\#(long)":2}"#)
        #expect(failure?.duplicateKey == long)
        #expect((failure?.message.count ?? .max) < 200, "the message carries the whole key")
        let control = Self.failure(#"{"a\nb":1,"a\u000Ab":2}"#)
        #expect(control?.message.contains(#""a\nb""#) == true, "\(control?.message ?? "")")
    }

    @Test func theKeySetAppliesTheSameRule() {
        var set = JSONKeySet()
        #expect(set.insert("method") == nil)
        #expect(set.insert("params") == nil)
        #expect(set.insert("METHOD") == "method")
        #expect(set.insert("e\u{301}") == nil)
        #expect(set.insert("é") == "e\u{301}")
        var big = JSONKeySet()
        for index in 0..<1_000 { #expect(big.insert("k\(index)") == nil) }
        #expect(big.insert("K999") == "k999")
        #expect(big.insert("k1000") == nil)
    }
}

/// `MCPRequest(body:)` holds the JSON-RPC message to the rule before deciding on it.
@Suite struct MCPRequestDuplicateKeyTests {
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"sf_export"}}"#, "method"),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sf_get_account","name":"sf_export","arguments":{}}}"#, "name"),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pay","arguments":{"amount":5,"amount":999999}}}"#, "amount"),
        (#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#, "id"),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"a":{"b":[{"c":1,"\u0063":2}]}}}}"#, "c"),
    ])
    func duplicatesAreInvalidRequests(_ body: String, _ key: String) {
        do {
            _ = try MCPRequest(body: Array(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.status == 400)
            #expect(error.code == -32600)
            #expect(error.duplicateKey == key)
            #expect(error.message.contains("duplicate key \"\(key)\""), "\(error.message)")
        }
    }

    @Test func invalidJSONIsAParseError() {
        do {
            _ = try MCPRequest(body: Array(#"{"jsonrpc":"2.0","method":"x""#.utf8))
            Issue.record("accepted truncated JSON")
        } catch {
            #expect(error.code == -32700)
            #expect(error.duplicateKey == nil)
        }
    }

    @Test func keysOfTheScrubbedAnswerAreMappedToo() {
        let answer: JSONValue = .object(["SECRET": .string("v"), "[x]": .string("SECRET"), "other": .object(["xSECRETx": .bool(true)])])
        let mapped = MCPResponse.mapStrings(answer) { $0.replacingOccurrences(of: "SECRET", with: "[x]") }
        #expect(mapped == .object(["[x]": .string("v"), "[x] (2)": .string("[x]"), "other": .object(["x[x]x": .bool(true)])]))
    }
}
