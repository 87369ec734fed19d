import AAMCore
import Testing

@testable import AAMProviders

/// AWS's binary event stream: framing with real CRCs, read from any cut, refused when a CRC or
/// a length is wrong; Bedrock's exceptions become `exception` events.
@Suite struct EventStreamDecoderTests {
    static func frame(_ type: String, _ payload: String) -> [UInt8] {
        EventStreamMessage(headers: [":event-type": type, ":content-type": "application/json", ":message-type": "event"], payload: Array(payload.utf8)).encoded()
    }

    static let messages: [(String, String)] = [
        ("messageStart", #"{"role":"assistant","p":"abcd"}"#),
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Héllo"},"p":"abcdefgh"}"#),
        ("messageStop", #"{"stopReason":"end_turn"}"#),
    ]

    @Test func crc32IsIEEE() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        // Continuing a checksum equals checksumming the whole.
        #expect(CRC32.checksum(Array("56789".utf8), continuing: CRC32.checksum(Array("1234".utf8))) == 0xCBF4_3926)
    }

    /// A frame as AWS documents it: 4-byte total length, 4-byte headers length, prelude CRC,
    /// headers (name length, name, type 7, value length, value), payload, message CRC.
    @Test func aFrameIsLaidOutAsAWSDocumentsIt() {
        let bytes = EventStreamMessage(headers: [":event-type": "a"], payload: Array("{}".utf8)).encoded()
        let header: [UInt8] = [11] + Array(":event-type".utf8) + [7, 0, 1] + Array("a".utf8)
        #expect(bytes.count == 12 + header.count + 2 + 4)
        #expect(Array(bytes[0..<4]) == [0, 0, 0, UInt8(bytes.count)])
        #expect(Array(bytes[4..<8]) == [0, 0, 0, UInt8(header.count)])
        #expect(EventStreamDecoder.read32(bytes, at: 8) == CRC32.checksum(bytes[0..<8]))
        #expect(Array(bytes[12..<(12 + header.count)]) == header)
        #expect(EventStreamDecoder.read32(bytes, at: bytes.count - 4) == CRC32.checksum(bytes[0..<(bytes.count - 4)]))
    }

    @Test func messagesAreReadWhereverTheBytesAreCut() throws {
        let stream = Self.messages.flatMap { Self.frame($0.0, $0.1) }
        for cut in 0...stream.count {
            var decoder = EventStreamDecoder()
            var read = try decoder.append(stream[0..<cut])
            read += try decoder.append(stream[cut...])
            #expect(read.map(\.name) == Self.messages.map(\.0), "cut at \(cut)")
            #expect(read.map { String(decoding: $0.payload, as: UTF8.self) } == Self.messages.map(\.1), "cut at \(cut)")
            #expect(!decoder.holdsPartialMessage)
        }
        // Byte by byte.
        var decoder = EventStreamDecoder()
        var names: [String] = []
        for byte in stream { names += try decoder.append([byte]).map(\.name) }
        #expect(names == Self.messages.map(\.0))
    }

    @Test func aBadPreludeChecksumIsRefused() {
        var bytes = Self.frame("messageStart", #"{"role":"assistant"}"#)
        bytes[9] ^= 0x01
        var decoder = EventStreamDecoder()
        #expect(throws: TranslationError(message: "event stream: prelude checksum mismatch")) { try decoder.append(bytes) }
    }

    @Test func aBadMessageChecksumIsRefusedOnlyWhenTheMessageIsComplete() throws {
        let good = Self.frame("messageStart", #"{"role":"assistant"}"#)
        var bad = Self.frame("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"x"}}"#)
        bad[bad.count - 6] ^= 0x20  // a payload byte
        var decoder = EventStreamDecoder()
        #expect(try decoder.append(good + bad.dropLast()).map(\.name) == ["messageStart"])
        #expect(throws: TranslationError(message: "event stream: message checksum mismatch")) { try decoder.append([bad.last!]) }
    }

    @Test func anAbsurdLengthIsRefusedBeforeBuffering() {
        let prelude: [UInt8] = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]
        let crc = CRC32.checksum(prelude)
        var decoder = EventStreamDecoder()
        #expect(throws: TranslationError.self) {
            try decoder.append(prelude + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)])
        }
    }

    @Test func theReaderMakesEventsAndExceptions() throws {
        var reader = BedrockEventReader()
        let exception = EventStreamMessage(
            headers: [":exception-type": "throttlingException", ":content-type": "application/json", ":message-type": "exception"],
            payload: Array(#"{"message":"Too many tokens, please wait before trying again."}"#.utf8)).encoded()
        let events = try reader.append(Self.frame("messageStart", #"{"role":"assistant"}"#) + exception)
        #expect(events == [
            SSEEvent(event: "messageStart", data: #"{"role":"assistant"}"#),
            SSEEvent(event: "exception", data: #"{"type":"throttlingException","message":"Too many tokens, please wait before trying again."}"#),
        ])
        #expect(try reader.finish().isEmpty)
        // A stream that ends inside a message cannot be trusted.
        var cut = BedrockEventReader()
        _ = try cut.append(Self.frame("messageStart", "{}").dropLast(3))
        #expect(throws: TranslationError.self) { try cut.finish() }
    }
}
