import Foundation

/// The fast path for the line a live feed is made of: an `event` message carrying one finished
/// call, `{"event":{"call":{…},"kind":"call"},"type":"event"}` (any key order, any spacing).
///
/// Returns nil for every other line, and for any call line `JSONLineReader` is not sure of; the
/// caller then decodes it with `JSONDecoder`. The equivalence (same `ControlMessage` or nil) is
/// tested against `JSONDecoder` line by line and fuzzed.
enum CallEventLine {
    static func decode(_ line: [UInt8]) -> ControlMessage? {
        var reader = JSONLineReader(line)
        var type: String?
        var id: Int?
        var event: ControlEvent?
        do {
            try reader.readObject { reader, key in
                switch key {
                case "type": type = try reader.readString()
                case "id": id = reader.consumeNull() ? nil : try reader.readInt()
                case "event": event = try readCallEvent(&reader)
                default: try reader.skipValue()  // JSONDecoder ignores members it does not know
                }
            }
            guard reader.isAtEnd(), type == ControlMessage.Kind.event.rawValue, let event else { return nil }
            var message = ControlMessage.event(event)
            message.id = id
            return message
        } catch {
            return nil
        }
    }

    /// `{"kind":"call","call":{…}}`; any other member that is not null sends the line the general way.
    private static func readCallEvent(_ reader: inout JSONLineReader) throws -> ControlEvent {
        var kind: String?
        var call: CallRow?
        try reader.readObject { reader, key in
            switch key {
            case "kind": kind = try reader.readString()
            case "call": call = try readCallRow(&reader)
            case "guardrailHit", "health", "adminChange", "policyDecision", "trend":
                guard reader.consumeNull() else { throw JSONLineReader.Unsupported() }
            default: try reader.skipValue()
            }
        }
        guard kind == ControlEvent.Kind.call.rawValue, let call else { throw JSONLineReader.Unsupported() }
        return ControlEvent(kind: .call, call: call)
    }

    private static func readCallRow(_ reader: inout JSONLineReader) throws -> CallRow {
        var requestId: String?, time: Date?, endpoint: String?, status: Int?, outcome: String?
        var latencyMs: Double?, promptTokens: Int?, completionTokens: Int?, streamed: Bool?, attempts: Int?
        var guardrails: [String]?
        var keyPrefix: String?, scope: String?, alias: String?, provider: String?, deployment: String?
        var errorClass: String?, ttftMs: Double?, costUSD: String?, identity: String?, policy: String?
        try reader.readObject { reader, key in
            switch key {
            case "requestId": requestId = try reader.readString()
            case "time": time = try reader.readDate()
            case "endpoint": endpoint = try reader.readString()
            case "status": status = try reader.readInt()
            case "outcome": outcome = try reader.readString()
            case "latencyMs": latencyMs = try reader.readDouble()
            case "promptTokens": promptTokens = try reader.readInt()
            case "completionTokens": completionTokens = try reader.readInt()
            case "streamed": streamed = try reader.readBool()
            case "attempts": attempts = try reader.readInt()
            case "guardrails": guardrails = try reader.readStrings()
            case "keyPrefix": keyPrefix = try optionalString(&reader)
            case "scope": scope = try optionalString(&reader)
            case "alias": alias = try optionalString(&reader)
            case "provider": provider = try optionalString(&reader)
            case "deployment": deployment = try optionalString(&reader)
            case "errorClass": errorClass = try optionalString(&reader)
            case "ttftMs": ttftMs = reader.consumeNull() ? nil : try reader.readDouble()
            case "costUSD": costUSD = try optionalString(&reader)
            case "identity": identity = try optionalString(&reader)
            case "policy": policy = try optionalString(&reader)
            default: try reader.skipValue()
            }
        }
        guard let requestId, let time, let endpoint, let status, let outcome, let latencyMs, let promptTokens,
            let completionTokens, let streamed, let attempts, let guardrails
        else { throw JSONLineReader.Unsupported() }
        return CallRow(
            requestId: requestId, time: time, endpoint: endpoint, keyPrefix: keyPrefix, scope: scope, alias: alias, provider: provider,
            deployment: deployment, status: status, outcome: outcome, errorClass: errorClass, latencyMs: latencyMs, ttftMs: ttftMs,
            promptTokens: promptTokens, completionTokens: completionTokens, costUSD: costUSD, streamed: streamed, attempts: attempts,
            guardrails: guardrails, identity: identity, policy: policy)
    }

    private static func optionalString(_ reader: inout JSONLineReader) throws -> String? {
        reader.consumeNull() ? nil : try reader.readString()
    }
}
