/// Writes one JSON object as one line (log lines, access-log lines) straight into bytes: no
/// dictionary, no `JSONSerialization`, members in the order written. Numbers and booleans stay
/// numbers and booleans, so a log shipper can sum latencies without parsing strings.
public struct JSONLineWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The finished line: the object closed and a newline appended.
    public consuming func line() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0A)
        return bytes
    }

    public mutating func member(_ name: String, _ value: String) {
        key(name)
        JSONStringLiteral.write(value, into: &bytes)
    }

    public mutating func member(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A finite double in Swift's shortest round-trip spelling; JSON has no NaN or infinity,
    /// so those are written as null rather than producing an unparseable line.
    public mutating func member(_ name: String, _ value: Double) {
        key(name)
        bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
    }

    /// A member whose value the caller already wrote as JSON (a nested object or array).
    public mutating func member(_ name: String, json: [UInt8]) {
        key(name)
        bytes.append(contentsOf: json)
    }

    /// Leaves the member out when the value is nil (as `JSONEncoder` does).
    public mutating func member(_ name: String, ifPresent value: String?) {
        if let value { member(name, value) }
    }

    public mutating func member(_ name: String, ifPresent value: Int?) {
        if let value { member(name, value) }
    }

    public mutating func member(_ name: String, ifPresent value: Double?) {
        if let value { member(name, value) }
    }

    private mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        JSONStringLiteral.write(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
