/// How the fake answers one request: normally, or with a scripted failure.
///
/// Behaviours are consumed from scripted queues (see ``FakeUpstream/enqueue(_:path:model:)``)
/// or taken from sticky settings and the default (``FakeUpstream/setDefaultBehaviour(_:)``).
public indirect enum FakeBehaviour: Sendable, Hashable {
    /// The vendor's normal answer for the route (plain JSON or SSE, as the request asked).
    case normal
    /// An arbitrary status with a raw body (sent as `application/json`) and extra headers.
    case status(Int, body: String, headers: [String: String] = [:])
    /// A vendor error rendered in the dialect of the route (status, body and headers; see
    /// ``FakeVendorError``), plus extra headers.
    case vendorError(FakeVendorError, headers: [String: String] = [:])
    /// Wait `ms` milliseconds before sending anything, then behave as `then`.
    case delay(ms: Int, then: FakeBehaviour = .normal)
    /// Never answer. The connection is closed abruptly when the fake stops, and no task is
    /// left behind.
    case hang
    /// Send the head and the first `afterEvents` SSE events, then close the connection without
    /// the stream's terminator (`[DONE]` / `message_stop`, and the final HTTP chunk). A
    /// non-streaming request gets half of its JSON body instead.
    case disconnectMidStream(afterEvents: Int)
    /// A normal stream with `gapMs` milliseconds between events.
    case slowStream(gapMs: Int)
    /// A normal stream that goes silent for `gapMs` milliseconds after its first `afterEvents`
    /// events, then carries on (an upstream that stalls mid-answer).
    case stallMidStream(afterEvents: Int, gapMs: Int)
    /// `200` with a body that is not what the client expects: an HTML page where JSON was
    /// due, or SSE frames with broken JSON and no terminator.
    case garbage
    /// `200 text/event-stream` whose body is exactly `chunks`, written one after the other, then
    /// a clean end: for hostile streams (an endless line, absurd usage counts).
    case rawStream([String])
    /// The vendor's safety system blocks: with `afterEvents` nil the prompt (Gemini
    /// `promptFeedback.blockReason: SAFETY`, no candidate), else the answer after that many
    /// stream events (a candidate with `finishReason: SAFETY`; a plain answer has no content).
    /// Only Gemini has this form; the other vendors answer Azure's 400 content-filter refusal.
    case safetyBlock(afterEvents: Int?)
    /// Bedrock: a stream whose frame number `afterEvents` has a wrong message CRC (the frames
    /// before it are intact). Elsewhere: a stream cut after that many events.
    case corruptStreamChecksum(afterEvents: Int)
    /// Bedrock: `afterEvents` frames, then an exception frame (`:message-type exception`) of
    /// `type` (`throttlingException`, `modelStreamErrorException`, `validationException`) and
    /// the end. Elsewhere: a stream cut after that many events.
    case streamException(afterEvents: Int, type: String, message: String)

    /// Bedrock's `429 ModelNotReadyException` (the model is being loaded): a raw status with
    /// its `x-amzn-ErrorType`.
    public static var bedrockModelNotReady: FakeBehaviour {
        .status(
            429, body: #"{"message":"Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation."}"#,
            headers: ["x-amzn-ErrorType": "ModelNotReadyException" + BedrockWire.errorTypeNamespace])
    }

    /// `429` with `retry-after` and the vendor's rate-limit headers (OpenAI
    /// `x-ratelimit-reset-requests`, Anthropic `anthropic-ratelimit-requests-reset`, Azure
    /// `retry-after-ms`).
    public static func rateLimited(retryAfterSeconds: Int? = nil) -> FakeBehaviour {
        .vendorError(.rateLimited(retryAfterSeconds: retryAfterSeconds))
    }

    /// `500` in the vendor's words.
    public static var serverError: FakeBehaviour { .vendorError(.serverError) }
    /// Anthropic `529 overloaded_error`; OpenAI and Azure `503`.
    public static var overloaded: FakeBehaviour { .vendorError(.overloaded) }
    /// `400` context-window error (`context_length_exceeded` / "prompt is too long").
    public static var contextLengthExceeded: FakeBehaviour { .vendorError(.contextLengthExceeded) }
    /// `401` as if the credential were wrong, whatever was presented.
    public static var invalidAPIKey: FakeBehaviour { .vendorError(.invalidAPIKey) }
}

/// How much work the fake does per request.
public enum FakeUpstreamMode: Sendable, Hashable {
    /// Everything: request parsing, echoing replies, recording, behaviours.
    case full
    /// For benchmarks: chat routes (`/v1/chat/completions`, `/v1/messages`) answer with a
    /// precomputed response (plain or streamed, detected by scanning the body for
    /// `"stream":true`) without parsing JSON, recording or consulting behaviours; the API key is
    /// still checked. Other routes behave as in `.full` but are not recorded either.
    case fast
}
