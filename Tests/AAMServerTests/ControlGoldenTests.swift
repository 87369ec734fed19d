import AAMControlProtocol
import Foundation
import Testing

/// The control protocol's wire form, byte for byte (sorted keys, ISO 8601 dates, nil members
/// omitted), and back: a change to a message shape shows up here first.
@Suite("Control protocol golden messages")
struct ControlGoldenTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static func line(_ message: ControlMessage) throws -> String {
        String(decoding: try ControlFraming.encode(message), as: UTF8.self)
    }

    static func roundTrips(_ message: ControlMessage) throws -> Bool {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ControlMessage.self, from: Data(ControlFraming.encode(message))) == message
    }

    @Test func clientHelloQueryAndCommand() throws {
        #expect(try Self.line(.hello(ControlHello(peer: "aam console"))) == #"{"hello":{"peer":"aam console","protocolVersion":1},"type":"hello"}"# + "\n")
        #expect(try Self.line(.query(.providers, id: 3)) == #"{"id":3,"query":"providers","type":"query"}"# + "\n")
        let rotate = ControlMessage.command(ControlCommand(kind: .rotateKey, keyId: "k_1", gracePeriodSeconds: 0), id: 4)
        #expect(try Self.line(rotate) == #"{"command":{"gracePeriodSeconds":0,"keyId":"k_1","kind":"rotateKey"},"id":4,"type":"command"}"# + "\n")
        #expect(try Self.roundTrips(rotate))
    }

    @Test func daemonHelloAndErrors() throws {
        let hello = ControlMessage.hello(
            ControlHello(peer: "aamd 0.1.0"), daemon: DaemonInfo(version: "0.1.0", pid: 42, listen: "127.0.0.1:8080", startedAt: Self.time))
        #expect(
            try Self.line(hello)
                == #"{"daemon":{"listen":"127.0.0.1:8080","pid":42,"startedAt":"2027-01-15T08:00:00Z","version":"0.1.0"},"hello":{"peer":"aamd 0.1.0","protocolVersion":1},"type":"hello"}"#
                + "\n")
        let mismatch = ControlMessage.failure(
            ControlError(code: .versionMismatch, message: "control protocol mismatch: the daemon speaks v1, the client (aam 9) speaks v2"), id: nil)
        #expect(
            try Self.line(mismatch)
                == #"{"error":{"code":"version_mismatch","message":"control protocol mismatch: the daemon speaks v1, the client (aam 9) speaks v2"},"type":"error"}"#
                + "\n")
        #expect(try Self.roundTrips(hello))
    }

    @Test func eventsMissedAndCommandResults() throws {
        let row = CallRow(
            requestId: "req_1", time: Self.time, endpoint: "/v1/chat/completions", keyPrefix: "sk-aam-ab12", scope: "acme/web", alias: "fast",
            provider: "sim-east", deployment: "fast.sim-east", status: 200, outcome: "success", errorClass: nil, latencyMs: 12.5, ttftMs: nil,
            promptTokens: 9, completionTokens: 4, costUSD: "0.000013", streamed: false, attempts: 1, guardrails: ["email:redact"])
        #expect(
            try Self.line(.event(ControlEvent(kind: .call, call: row)))
                == #"{"event":{"call":{"alias":"fast","attempts":1,"completionTokens":4,"costUSD":"0.000013","deployment":"fast.sim-east","endpoint":"/v1/chat/completions","guardrails":["email:redact"],"keyPrefix":"sk-aam-ab12","latencyMs":12.5,"outcome":"success","promptTokens":9,"provider":"sim-east","requestId":"req_1","scope":"acme/web","status":200,"streamed":false,"time":"2027-01-15T08:00:00Z"},"kind":"call"},"type":"event"}"# + "\n")
        var missed = ControlMessage(type: .missed)
        missed.missed = 120
        #expect(try Self.line(missed) == #"{"missed":120,"type":"missed"}"# + "\n")
        var result = ControlMessage(type: .commandResult, id: 9)
        result.commandResult = CommandResult(message: "drained provider sim-east")
        #expect(try Self.line(result) == #"{"commandResult":{"message":"drained provider sim-east"},"id":9,"type":"commandResult"}"# + "\n")
        #expect(try Self.roundTrips(.event(ControlEvent(kind: .call, call: row))))
    }
}
