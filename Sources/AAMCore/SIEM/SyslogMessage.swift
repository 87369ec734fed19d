import Foundation

/// RFC 5424 syslog messages carrying SIEM events, framed for TCP by octet counting (RFC 6587
/// section 3.4.1: `MSG-LEN SP SYSLOG-MSG`, so a message may contain any byte, newlines included).
///
/// `<PRI>1 TIMESTAMP HOSTNAME aam PROCID MSGID [aam@32473 class_uid="…" severity_id="…"
/// request_id="…"] {json}`. 32473 is the private enterprise number RFC 5612 reserves for
/// documentation; a deployment that owns a number can substitute it.
public struct SyslogMessage: Sendable {
    /// RFC 5424 facility 13, "log audit".
    public static let defaultFacility = 13
    public static let enterpriseID = "aam@32473"

    public var hostname: String
    public var processID: String
    public var facility: Int

    public init(hostname: String, processID: String, facility: Int = SyslogMessage.defaultFacility) {
        self.hostname = Self.printable(hostname, limit: 255)
        self.processID = Self.printable(processID, limit: 128)
        self.facility = min(23, max(0, facility))
    }

    /// The syslog severity for an OCSF severity: informational 6, low 5 (notice), medium 4
    /// (warning), high 3 (error), critical and above 2.
    public static func severity(forOCSF id: Int) -> Int {
        switch id {
        case ...1: 6
        case 2: 5
        case 3: 4
        case 4: 3
        default: 2
        }
    }

    /// One RFC 5424 message (no framing).
    public func message(for event: SIEMEvent) -> String {
        let priority = facility * 8 + Self.severity(forOCSF: event.severityID)
        var data = "[\(Self.enterpriseID)"
        if let classUID = event.body["class_uid"] { data += " class_uid=\"\(Self.escapeParam(classUID.json))\"" }
        data += " severity_id=\"\(event.severityID)\""
        if let requestID = event.requestID { data += " request_id=\"\(Self.escapeParam(requestID))\"" }
        data += "]"
        return "<\(priority)>1 \(Self.timestamp(event.time)) \(hostname) aam \(processID) \(event.kind.rawValue) \(data) \(event.json)"
    }

    /// The message framed by octet counting: its UTF-8 length, a space, the message.
    public func frame(for event: SIEMEvent) -> [UInt8] {
        let message = Array(message(for: event).utf8)
        return Array("\(message.count) ".utf8) + message
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2027-01-15T08:00:00.250Z`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds.quotientAndRemainderFlooring(by: 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds.quotient)))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(Int(seconds.remainder), 3))Z"
    }

    /// SD-PARAM value escaping: `"`, `\` and `]` get a backslash.
    static func escapeParam(_ value: String) -> String {
        var out = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Header fields allow only printable US-ASCII without spaces; `-` when nothing is left.
    static func printable(_ value: String, limit: Int) -> String {
        let kept = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value >= 33 && $0.value <= 126 }.prefix(limit)))
        return kept.isEmpty ? "-" : kept
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a non-negative remainder.
    func quotientAndRemainderFlooring(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}

/// Splunk HTTP Event Collector envelopes: one JSON object per event, concatenated with a
/// newline (HEC accepts a batch as consecutive objects).
public struct HECEnvelope: Sendable {
    public var host: String
    public var source: String
    public var sourceType: String

    public init(host: String, source: String = "aam", sourceType: String = "aam:ocsf") {
        self.host = host
        self.source = source
        self.sourceType = sourceType
    }

    /// `{"time":<epoch seconds with milliseconds>,"host":…,"source":…,"sourcetype":…,"event":{…}}`.
    public func object(for event: SIEMEvent) -> String {
        let milliseconds = Int64((event.time.timeIntervalSince1970 * 1000).rounded(.down))
        let split = milliseconds.quotientAndRemainderFlooring(by: 1000)
        let fraction = String(split.remainder)
        let time = "\(split.quotient)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        var out = "{\"time\":\(time),\"host\":"
        SIEMValue.writeString(host, into: &out)
        out += ",\"source\":"
        SIEMValue.writeString(source, into: &out)
        out += ",\"sourcetype\":"
        SIEMValue.writeString(sourceType, into: &out)
        out += ",\"event\":" + event.json + "}"
        return out
    }

    /// A batch body: the events' objects joined by newlines.
    public func body(for events: [SIEMEvent]) -> [UInt8] {
        Array(events.map(object(for:)).joined(separator: "\n").utf8)
    }
}
