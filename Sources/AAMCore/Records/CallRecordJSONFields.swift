import Foundation

/// The JSON a store keeps for a call record's nested lists (`attempts`, `guardrails`), written
/// directly: the same members `JSONEncoder` writes (nil members left out) and readable by
/// `JSONDecoder`, without building an encoder per record on the drain's path.
public enum CallRecordJSONFields {
    public static func attempts(_ attempts: [CallRecord.Attempt]) -> String {
        var out = JSONText()
        out.array(attempts) { out, attempt in
            out.member("deployment", string: attempt.deployment)
            out.member("provider", string: attempt.provider)
            if let status = attempt.status { out.member("status", int: status) }
            if let errorClass = attempt.errorClass { out.member("errorClass", string: errorClass) }
            out.member("latencyMs", double: attempt.latencyMs)
            if let tokens = attempt.promptTokens { out.member("promptTokens", int: tokens) }
            if let tokens = attempt.completionTokens { out.member("completionTokens", int: tokens) }
        }
        return out.text
    }

    public static func guardrails(_ decisions: [GuardrailDecision]) -> String {
        var out = JSONText()
        out.array(decisions) { out, decision in
            out.member("detector", string: decision.detector.rawValue)
            out.member("direction", string: decision.direction.rawValue)
            out.member("action", string: decision.action.rawValue)
            out.member("count", int: decision.count)
            out.member("location", string: decision.location)
        }
        return out.text
    }
}

/// A minimal JSON writer for arrays of flat objects (what `CallRecordJSONFields` needs).
struct JSONText {
    private var bytes: [UInt8] = []
    private var firstMember = true

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func array<Element>(_ elements: [Element], _ object: (inout JSONText, Element) -> Void) {
        bytes.reserveCapacity(2 + elements.count * 128)
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "{"))
            firstMember = true
            object(&self, element)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func member(_ name: StaticString, string value: String) {
        key(name)
        quote(value)
    }

    mutating func member(_ name: StaticString, int value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A finite double in Swift's shortest round-trip spelling (valid JSON, `1e-05` included).
    /// Latencies are never NaN or infinite; were one, it is written as 0 (JSON has no spelling
    /// for them, and `JSONEncoder` refused such a record's whole list).
    mutating func member(_ name: StaticString, double value: Double) {
        key(name)
        bytes.append(contentsOf: (value.isFinite ? value.description : "0").utf8)
    }

    private mutating func key(_ name: StaticString) {
        if !firstMember { bytes.append(UInt8(ascii: ",")) }
        firstMember = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
    }

    private mutating func quote(_ value: String) {
        JSONStringLiteral.write(value, into: &bytes)
    }
}
