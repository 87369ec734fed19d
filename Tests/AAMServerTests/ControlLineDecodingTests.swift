import AAMControlProtocol
import Foundation
import Testing

/// `ControlFraming.decode` (the client's per-line decoder, with its shortcut for `event` lines)
/// reads every kind of line exactly as decoding the whole envelope does.
@Suite("Control line decoding")
struct ControlLineDecodingTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func messages() -> [ControlMessage] {
        let row = CallRow(
            requestId: "req_1", time: time, endpoint: "/v1/chat/completions", keyPrefix: "sk-aam-ab12", scope: "acme/web", alias: "fast",
            provider: "sim-east", deployment: "fast.sim-east", status: 502, outcome: "upstream_error", errorClass: "upstream_5xx",
            latencyMs: 12.5, ttftMs: 3, promptTokens: 9, completionTokens: 4, costUSD: "0.000013", streamed: true, attempts: 2,
            guardrails: ["email:redact"])
        var missed = ControlMessage(type: .missed)
        missed.missed = 120
        var result = ControlMessage(type: .commandResult, id: 9)
        result.commandResult = CommandResult(message: "drained provider sim-east")
        var eventWithId = ControlMessage.event(ControlEvent(kind: .call, call: row))
        eventWithId.id = 4
        return [
            .event(ControlEvent(kind: .call, call: row)),
            .event(ControlEvent(kind: .health, health: HealthRow(time: time, deployment: "d", from: "healthy", to: "cooldown", reason: "5xx"))),
            eventWithId,
            missed,
            result,
            .failure(ControlError(code: .permissionDenied, message: "no"), id: nil),
            .hello(ControlHello(peer: "aamd 0.1"), daemon: DaemonInfo(version: "0.1", pid: 7, listen: "127.0.0.1:1", startedAt: time)),
            .query(.providers, id: 3),
        ]
    }

    @Test func everyKindDecodesAsTheWholeEnvelopeDoes() throws {
        for message in Self.messages() {
            var line = try ControlFraming.encode(message)
            line.removeLast()  // the newline, as framing hands lines over
            let whole = try Self.decoder.decode(ControlMessage.self, from: Data(line))
            #expect(whole == message)
            #expect(ControlFraming.decode(line, with: Self.decoder) == whole)
        }
    }

    @Test func unreadableLinesAreNil() {
        let lines = [
            #"{"type":"event","event":{"kind":"somethingNewer"}}"#,
            #"{"type":"newKind"}"#,
            #"{"type":"event","event":{"kind":"call","call":{"requestId":1}}}"#,
            "not json",
        ]
        for line in lines {
            #expect(ControlFraming.decode(Array(line.utf8), with: Self.decoder) == nil, "\(line)")
        }
    }

    /// An `event` line whose event is absent is not taken by the shortcut: it decodes as the
    /// whole envelope says (a bare event message).
    @Test func anEventLineWithoutItsEventFallsBackToTheWholeEnvelope() {
        let line = Array(#"{"type":"event"}"#.utf8)
        #expect(ControlFraming.decode(line, with: Self.decoder) == ControlMessage(type: .event))
    }
}
