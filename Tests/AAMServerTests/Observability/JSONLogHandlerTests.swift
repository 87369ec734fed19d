import Foundation
import Logging
import Testing

@testable import AAMServer

/// The JSON log handler writes what a log shipper can index: real types, millisecond UTC
/// timestamps, nested metadata kept nested, one line per event.
@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test func metadataKeepsItsTypesAndTheLineItsShape() throws {
        let line = JSONLogHandler.line(
            at: Date(timeIntervalSince1970: 1_796_000_000.007), level: .warning, label: "aamd", message: "rate lease renewal failed",
            metadata: [
                "attempt": .stringConvertible(3), "share": .stringConvertible(0.5), "degraded": .stringConvertible(true),
                "key": .string("deployment:d/requests"), "peers": .array([.string("a"), .stringConvertible(2)]),
                "limits": .dictionary(["rpm": .stringConvertible(60)]), "error": .stringConvertible(Double.infinity),
                "level": .string("spoofed"),
            ])
        #expect(line.last == 0x0A && line.filter { $0 == 0x0A }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-30T00:53:20.007Z")
        #expect(object["level"] as? String == "warning", "metadata cannot overwrite the event's own members")
        #expect(object["logger"] as? String == "aamd" && object["msg"] as? String == "rate lease renewal failed")
        #expect(object["attempt"] as? Int == 3 && object["share"] as? Double == 0.5 && object["degraded"] as? Bool == true)
        #expect(object["key"] as? String == "deployment:d/requests")
        #expect((object["peers"] as? [Any])?.count == 2 && (object["peers"] as? [Any])?.last as? Int == 2)
        #expect((object["limits"] as? [String: Any])?["rpm"] as? Int == 60)
        #expect(object["error"] as? String == "inf", "a non-finite number is its description, not broken JSON")
    }

    @Test func mergedMetadataLetsTheEventWin() {
        let merged = JSONLogHandler.merged(["a": "handler", "b": "handler"], ["b": "provider"], ["a": "event"])
        #expect(merged["a"] == "event" && merged["b"] == "provider")
    }
}
