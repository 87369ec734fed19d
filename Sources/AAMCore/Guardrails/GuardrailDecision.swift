/// What a guardrail did about one detector at one place in a call: the evidence entry.
///
/// Names the detector, the direction, the action, how many matches, and where (e.g.
/// `messages[2].content`, `tools[0].function.arguments`, `choices[0].message.content`) — never
/// the matched text.
public struct GuardrailDecision: Sendable, Hashable, Codable {
    public var detector: GuardrailDetector
    public var direction: GuardrailDirection
    public var action: GuardrailAction
    public var count: Int
    public var location: String

    public init(
        detector: GuardrailDetector, direction: GuardrailDirection, action: GuardrailAction, count: Int, location: String
    ) {
        self.detector = detector
        self.direction = direction
        self.action = action
        self.count = count
        self.location = location
    }
}

/// The result of inspecting one piece of text.
public struct GuardrailInspection: Sendable, Hashable {
    /// The text to forward: the input with `redact` matches replaced by placeholders (the very
    /// same string when nothing was redacted). Meaningless when `block` is set.
    public var text: String
    /// One entry per detector that matched, in detector-name order.
    public var decisions: [GuardrailDecision]
    /// Set when a `block` detector matched: refuse the call naming `block.detector`.
    public var block: GuardrailDecision?

    public init(text: String, decisions: [GuardrailDecision] = [], block: GuardrailDecision? = nil) {
        self.text = text
        self.decisions = decisions
        self.block = block
    }

    /// Whether `text` differs from the input.
    public var isRedacted: Bool { decisions.contains { $0.action == .redact } }
}

/// Counts matches per detector and turns them into decisions.
struct GuardrailTally: Sendable {
    private(set) var counts: [GuardrailDetector: Int] = [:]

    mutating func add(_ detector: GuardrailDetector) { counts[detector, default: 0] += 1 }

    var isEmpty: Bool { counts.isEmpty }

    func decisions(
        _ actions: [GuardrailDetector: GuardrailAction], direction: GuardrailDirection, location: String
    ) -> [GuardrailDecision] {
        counts.keys.sorted().map {
            GuardrailDecision(
                detector: $0, direction: direction, action: actions[$0] ?? .allow, count: counts[$0] ?? 0,
                location: location)
        }
    }
}

/// Writes a region of scanned bytes with `redact` matches replaced by their placeholders.
enum Redactor {
    /// Appends `p[region]` to `out`, replacing the parts covered by `matches` (sorted by start,
    /// inside `region`) whose action is `redact`. Overlapping redactions merge into the first
    /// one's placeholder, so no byte of either survives.
    static func write(
        _ p: ScanBuffer, _ region: Range<Int>, _ matches: some Sequence<GuardrailMatch>,
        _ actions: [GuardrailDetector: GuardrailAction], into out: inout [UInt8]
    ) {
        var cursor = region.lowerBound
        for match in matches where actions[match.detector] == .redact {
            let range = match.range.clamped(to: region)
            if range.lowerBound >= cursor {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p.base[cursor..<range.lowerBound]))
                out.append(contentsOf: match.detector.placeholder.utf8)
                cursor = range.upperBound
            } else if range.upperBound > cursor {
                cursor = range.upperBound
            }
        }
        if cursor < region.upperBound {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p.base[cursor..<region.upperBound]))
        }
    }
}
