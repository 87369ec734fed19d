/// The fuzz targets: each takes arbitrary bytes, must never crash, and checks its invariants.
///
/// One function per target serves both halves of the harness: `aam-fuzz` built with
/// `--sanitize=fuzzer` lets libFuzzer drive it (a violated invariant aborts, so libFuzzer saves
/// the input), and the normal test suite replays every committed corpus and regression file
/// through it (`FuzzCorpusReplayTests`), so a crash fixed once stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `JSONObjectScanner` + `JSONSplicer`, differentially against `WireJSON.parse`.
    case jsonScanner = "json-scanner"
    /// `WireJSON` parse → serialize → parse.
    case wireJSON = "wire-json"
    /// `SSEParser` under arbitrary chunkings, and its encode → parse round trip.
    case sse
    /// Request/response translators and inspectors (OpenAI ↔ Anthropic, embeddings, errors).
    case translators
    /// The stream translators and the byte-level OpenAI pass-through fed SSE bytes.
    case streams
    /// MCP JSON-RPC request parsing and the broker's answers.
    case mcp
    /// Control-socket line framing and message decoding.
    case control
    /// The guardrail byte matchers (PII, secrets, denylist) over arbitrary text.
    case guardrails

    /// Runs one input; throws when an invariant fails (a crash is a finding too, by itself).
    public func run(_ input: [UInt8]) throws(InvariantViolation) {
        switch self {
        case .jsonScanner: try JSONScannerTarget.run(input)
        case .wireJSON: try WireJSONTarget.run(input)
        case .sse: try SSETarget.run(input)
        case .translators: try TranslatorTarget.run(input)
        case .streams: try StreamTarget.run(input)
        case .mcp: try MCPTarget.run(input)
        case .control: try ControlTarget.run(input)
        case .guardrails: try GuardrailTarget.run(input)
        }
    }
}

/// An invariant a target checks did not hold for an input.
public struct InvariantViolation: Error, Sendable, CustomStringConvertible {
    public var target: String
    public var message: String
    public var description: String { "\(target): \(message)" }

    init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }
}

/// Throws an `InvariantViolation` unless `condition` holds.
func check(
    _ condition: Bool, _ target: FuzzTarget, _ message: @autoclosure () -> String
) throws(InvariantViolation) {
    if !condition { throw InvariantViolation(target.rawValue, message()) }
}

/// A short printable excerpt of bytes for a violation message.
func excerpt(_ bytes: some Collection<UInt8>, limit: Int = 120) -> String {
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return String(reflecting: text) + (bytes.count > limit ? "…(\(bytes.count) bytes)" : "")
}
