import AAMControlProtocol
import Foundation
import Testing

@Suite("Control protocol framing")
struct ControlFramingTests {
    @Test func helloRoundTripsAsOneLine() throws {
        let hello = ControlHello(peer: "aamd 0.1")
        let bytes = try ControlFraming.encode(hello)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"peer":"aamd 0.1","protocolVersion":1}"# + "\n")
        var framing = ControlFraming()
        let lines = try framing.append(bytes)
        #expect(try lines.map { try JSONDecoder().decode(ControlHello.self, from: Data($0)) } == [hello])
    }

    @Test func linesSplitAnywhereReassemble() throws {
        let stream = try ControlFraming.encode(ControlHello(peer: "a\nb")) + ControlFraming.encode(ControlHello(peer: "c"))
        for split in 0...stream.count {
            var framing = ControlFraming()
            let lines = try framing.append(stream[..<split]) + framing.append(stream[split...])
            #expect(lines.count == 2)
            #expect(try JSONDecoder().decode(ControlHello.self, from: Data(lines[0])).peer == "a\nb")
        }
    }

    @Test func versionMismatchIsExplained() {
        #expect(ControlHello(peer: "aam").incompatibility() == nil)
        #expect(ControlHello(protocolVersion: 2, peer: "aam 9").incompatibility() == "control protocol mismatch: this side speaks v1, the peer (aam 9) speaks v2")
    }

    @Test func unboundedLinesAreRefused() {
        var framing = ControlFraming()
        #expect(throws: ControlFraming.FramingError.lineTooLong) {
            _ = try framing.append(Array(repeating: UInt8(ascii: "x"), count: ControlProtocol.maxLineBytes + 1))
        }
    }
}
