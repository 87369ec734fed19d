import AAMCore

/// What a relayed Responses API stream needs to end itself in-band: the next
/// `sequence_number`, the `response` object the stream announced (`response.created` /
/// `response.in_progress`) and the output items finished so far.
///
/// The gateway ends a pass-through Responses stream early (a truncated upstream, a deadline,
/// a response guardrail block, a record that could not be made durable) with the same two
/// events the translated path sends (`ChatToResponsesStream`): `error`, then `response.failed`
/// carrying the same error, numbered on from the last event the client got.
public struct ResponsesStreamTail: Sendable {
    /// The `sequence_number` the next client-bound event carries.
    public private(set) var nextSequence = 0
    private var response: WireJSONObject?
    private var items: [WireJSON] = []

    public init() {}

    /// Notes one client-bound event: text deltas cheaply (only their number is read), every
    /// other event parsed.
    public mutating func note(_ event: SSEEvent) {
        if event.event?.hasSuffix(".delta") == true, let sequence = Self.sequenceNumber(in: event.data) {
            nextSequence = max(nextSequence, sequence + 1)
            return
        }
        guard case .object(let object)? = try? WireJSON.parse(event.data, context: "stream event") else { return }
        note(object)
    }

    /// Notes one client-bound event already parsed.
    public mutating func note(_ object: WireJSONObject) {
        if let sequence = object["sequence_number"]?.intValue { nextSequence = max(nextSequence, sequence + 1) }
        switch object["type"]?.stringValue {
        case "response.created"?, "response.in_progress"?:
            if let announced = object["response"]?.objectValue { response = announced }
        case "response.output_item.done"?:
            if let item = object["item"] { items.append(item) }
        default: break
        }
    }

    /// `error`, then `response.failed` with the same error: the bytes that end the stream.
    public mutating func failure(code: String, message: String) -> [UInt8] {
        var out = event("error", [("code", .string(code)), ("message", .string(message)), ("param", .null)])
        var failed = response ?? ["object": "response"]
        failed["status"] = "failed"
        failed["error"] = ["code": .string(code), "message": .string(message)]
        // What was complete stays in the failed response; a half-open item is not claimed as done.
        failed["output"] = .array(items)
        out += event("response.failed", [("response", .object(failed))])
        return out
    }

    /// One numbered event, framed as OpenAI frames them (`event:` line, one `data:` line).
    public mutating func event(_ type: String, _ fields: [(String, WireJSON)]) -> [UInt8] {
        var object: WireJSONObject = ["type": .string(type)]
        for (key, value) in fields { object[key] = value }
        object["sequence_number"] = .int(nextSequence)
        nextSequence += 1
        return SSEEvent(event: type, data: WireJSON.object(object).serializedString()).encoded()
    }

    /// The `sequence_number` of a delta event's JSON text, read without parsing it (it is the
    /// last member OpenAI writes, and never inside the delta's string: a quote there is escaped).
    static func sequenceNumber(in data: String) -> Int? {
        guard let range = data.range(of: "\"sequence_number\":", options: .backwards) else { return nil }
        let digits = data[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits)
    }
}
