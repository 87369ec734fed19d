@testable import AAMControlProtocol
import Foundation
import Testing

/// The console's fast path for call events (`CallEventLine`, `JSONLineReader`) gives exactly
/// what `JSONDecoder` gives, or steps aside so `JSONDecoder` decides: checked on generated rows,
/// on lines written the way other JSON writers space and order them, on every form the reader
/// refuses, and on thousands of corrupted lines.
@Suite("Call event fast decoding")
struct CallEventLineDecodingTests {
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A line as framing hands it over (no newline).
    static func line(_ message: ControlMessage) throws -> [UInt8] {
        var line = try ControlFraming.encode(message)
        line.removeLast()
        return line
    }

    /// Rows that cover every member: absent optionals, escapes, non-ASCII text, odd numbers.
    static func rows() -> [CallRow] {
        let texts = [
            "plain", "quote \" and backslash \\ and slash /", "line\nbreak\ttab\r", "control \u{01}\u{1F}", "café", "emoji 🎉 (𝄞)",
            "", "sk-aam-AbCdEfGhIjKlMnOp",
        ]
        let numbers: [Double] = [0, 12.5, 0.000_001, 1e-7, 123_456.789, 3, 1.0 / 3.0, 9_007_199_254_740_992]
        let times: [TimeInterval] = [0, 1_800_000_000, 1_861_920_000 /* 2029-01-01 */, 1_835_395_199 /* 2028-02-28 23:59:59 */, 1_835_395_200]
        var rows: [CallRow] = []
        for index in 0..<64 {
            let text = texts[index % texts.count]
            let optional: (Int) -> String? = { index % $0 == 0 ? nil : text }
            rows.append(CallRow(
                requestId: "req_\(index)_\(text)", time: Date(timeIntervalSince1970: times[index % times.count] + Double(index * 3_607)),
                endpoint: "/v1/chat/completions", keyPrefix: optional(2), scope: optional(3), alias: optional(5), provider: optional(7),
                deployment: optional(4), status: [200, 429, 502, 0, 599][index % 5], outcome: ["success", "rejected", "truncated"][index % 3],
                errorClass: optional(6), latencyMs: numbers[index % numbers.count], ttftMs: index % 3 == 0 ? nil : numbers[(index + 1) % numbers.count],
                promptTokens: index * 1_000_003, completionTokens: index % 9, costUSD: index % 4 == 0 ? nil : "0.000\(index)",
                streamed: index % 2 == 0, attempts: 1 + index % 3, guardrails: Array(texts.prefix(index % 4)),
                identity: index % 8 == 1 ? "spiffe://acme/ns/prod/sa/agent" : nil, policy: optional(9)))
        }
        return rows
    }

    @Test func everyGeneratedRowTakesTheFastPathAndDecodesAsJSONDecoderDoes() throws {
        for (index, row) in Self.rows().enumerated() {
            var message = ControlMessage.event(ControlEvent(kind: .call, call: row))
            message.id = index % 3 == 0 ? index : nil
            let line = try Self.line(message)
            let fast = try #require(CallEventLine.decode(line), "row \(index) stepped aside: \(String(decoding: line, as: UTF8.self))")
            #expect(fast == message)
            #expect(fast == ControlFraming.decodeWithFoundation(line, with: Self.decoder))
            #expect(ControlFraming.decode(line, with: Self.decoder) == message)
        }
    }

    /// Python's `json.dumps` (the bench's fake daemon) spaces members and keeps insertion order.
    @Test func otherSpacingAndKeyOrderDecodeTheSame() throws {
        let line = Array("""
             { "type" : "event" , "event" : { "kind" : "call" , "call" : { "requestId" : "req_1" , "time" : "2026-12-07T22:01:42Z" ,
            "endpoint" : "/v1/messages" , "status" : 200 , "outcome" : "success" , "latencyMs" : 12 , "promptTokens" : 5 ,
            "completionTokens" : 6 , "streamed" : false , "attempts" : 1 , "guardrails" : [ "email:redact" , "ssn:block" ] ,
            "keyPrefix" : null , "costUSD" : "0.1" , "somethingNewer" : { "a" : [ 1 , -2.5e3 , true , null , "x" ] } } , "trend" : null } }\t
            """.utf8)
        let fast = try #require(CallEventLine.decode(line))
        #expect(fast == ControlFraming.decodeWithFoundation(line, with: Self.decoder))
        #expect(fast.event?.call?.guardrails == ["email:redact", "ssn:block"])
        #expect(fast.event?.call?.latencyMs == 12)
        #expect(fast.event?.call?.time == Date(timeIntervalSince1970: 1_796_680_902))
    }

    /// Each of these is a form the fast reader refuses; the line still decodes exactly as
    /// `JSONDecoder` reads it (a value or nil).
    @Test func formsTheReaderRefusesAreLeftToJSONDecoder() throws {
        let members = #""requestId":"r","endpoint":"/v1/x","outcome":"success","latencyMs":1.5,"promptTokens":1,"completionTokens":2,"streamed":true,"attempts":1,"guardrails":[]"#
        func callLine(_ extra: String, time: String = #""2026-12-07T22:01:42Z""#) -> [UInt8] {
            Array(#"{"type":"event","event":{"kind":"call","call":{\#(members),"time":\#(time),\#(extra)}}}"#.utf8)
        }
        let refused: [(String, [UInt8])] = [
            ("a date with an offset", callLine(#""status":200"#, time: #""2026-12-07T23:01:42+01:00""#)),
            ("a date with fractions", callLine(#""status":200"#, time: #""2026-12-07T22:01:42.250Z""#)),
            ("an impossible date", callLine(#""status":200"#, time: #""2026-02-30T22:01:42Z""#)),
            ("an integer written with a fraction", callLine(#""status":200.0"#)),
            ("an integer written with an exponent", callLine(#""status":2e2"#)),
            ("an integer too long", callLine(#""status":12345678901234567890"#)),
            ("an integer beyond Int", callLine(#""status":9999999999999999999"#)),
            ("a negative integer beyond Int", callLine(#""status":-9999999999999999999"#)),
            ("a leading zero", callLine(#""status":0200"#)),
            ("a lone surrogate", callLine(#""status":200,"alias":"\ud800""#)),
            ("an unknown escape", callLine(#""status":200,"alias":"\q""#)),
            ("a missing member", Array(#"{"type":"event","event":{"kind":"call","call":{"requestId":"r"}}}"#.utf8)),
            ("another event kind", Array(#"{"type":"event","event":{"kind":"health","health":{"time":"2026-12-07T22:01:42Z","deployment":"d","from":"healthy","to":"cooldown"}}}"#.utf8)),
            ("another member set", callLine(#""status":200"#) .dropLast(2) + Array(#"},"health":{"time":"2026-12-07T22:01:42Z","deployment":"d","from":"a","to":"b"}}}"#.utf8)),
            ("another message type", Array(#"{"type":"missed","missed":3}"#.utf8)),
            ("trailing data", callLine(#""status":200"#) + Array(" x".utf8)),
            ("a truncated line", Array(callLine(#""status":200"#).dropLast(3))),
        ]
        for (what, line) in refused {
            #expect(CallEventLine.decode(line) == nil, "\(what)")
            #expect(ControlFraming.decode(line, with: Self.decoder) == ControlFraming.decodeWithFoundation(line, with: Self.decoder), "\(what)")
        }
        // The reader's refusals are not JSONDecoder's: some of these are fine JSON it reads.
        #expect(ControlFraming.decode(refused[0].1, with: Self.decoder)?.event?.call?.time == Date(timeIntervalSince1970: 1_796_680_902))
        #expect(ControlFraming.decode(refused[12].1, with: Self.decoder)?.event?.health?.to == "cooldown")
    }

    /// Thousands of lines with a byte changed, inserted or cut: the fast path never decodes a
    /// line differently from `JSONDecoder` (at worst it steps aside).
    @Test func corruptedLinesDecodeAsJSONDecoderReadsThem() throws {
        let lines = try Self.rows().prefix(16).map { try Self.line(.event(ControlEvent(kind: .call, call: $0))) }
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array(#"{}[]":,\ -+.eE0123456789aeflnrstuTZ"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var fastTaken = 0
        for round in 0..<3_000 {
            var line = lines[round % lines.count]
            let position = Int(random.next() % UInt64(line.count))
            switch random.next() % 3 {
            case 0: line[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 1: line.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
            default: line.removeSubrange(position..<min(line.count, position + 1 + Int(random.next() % 8)))
            }
            let fast = CallEventLine.decode(line)
            if fast != nil { fastTaken += 1 }
            let reference = ControlFraming.decodeWithFoundation(line, with: Self.decoder)
            #expect(fast == nil || fast == reference, "round \(round): \(String(decoding: line, as: UTF8.self))")
        }
        // Many corruptions land in a value and leave a readable line: the fast path was exercised.
        #expect(fastTaken > 300)
    }

    @Test func wholeSecondDatesMatchTheISO8601Formatter() {
        let formatter = ISO8601DateFormatter()
        var seconds = -2_208_988_800.0  // 1900-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            let text = formatter.string(from: Date(timeIntervalSince1970: seconds))
            #expect(InternetDateWholeSeconds.date(fromUTF8: ArraySlice(text.utf8)) == formatter.date(from: text), "\(text)")
            seconds += 86_400 * 13 + 3_661 * 7 + 1
        }
        for leap in ["2028-02-29T00:00:00Z", "2000-02-29T12:00:00Z", "2026-12-31T23:59:59Z"] {
            #expect(InternetDateWholeSeconds.date(fromUTF8: ArraySlice(leap.utf8)) == formatter.date(from: leap), "\(leap)")
        }
        for invalid in ["2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07 22:01:42Z", "0999-12-07T22:01:42Z"] {
            #expect(InternetDateWholeSeconds.date(fromUTF8: ArraySlice(invalid.utf8)) == nil, "\(invalid)")
        }
    }
}

/// A small seeded generator, so a failing round can be replayed.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
