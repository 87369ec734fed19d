import Foundation

/// The head of one evidence chain, recorded outside the database (the log, the SIEM stream) so
/// that deleting the end of a chain, which leaves every remaining link intact, is still caught.
public struct EvidenceAnchor: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Chain: String, Sendable, Hashable, Codable {
        /// The admin audit trail (`sequence` is an entry's sequence).
        case audit
        /// The call-record batch chain (`sequence` is a batch link's sequence).
        case calls
    }

    public var chain: Chain
    public var sequence: Int64
    /// The link (`hash` / MAC text) the chain had at `sequence`.
    public var link: String

    public init(chain: Chain, sequence: Int64, link: String) {
        self.chain = chain
        self.sequence = sequence
        self.link = link
    }

    /// `audit:SEQ:LINK` or `calls:SEQ:LINK`; a bare `SEQ:LINK` is the audit chain.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var chain = Chain.audit
        for candidate in [Chain.audit, .calls] where rest.hasPrefix(candidate.rawValue + ":") || rest.hasPrefix(candidate.rawValue + "=") {
            chain = candidate
            rest = rest.dropFirst(candidate.rawValue.count + 1)
        }
        guard let colon = rest.firstIndex(of: ":"), let sequence = Int64(rest[..<colon]), sequence > 0 else { return nil }
        let link = String(rest[rest.index(after: colon)...])
        guard (1...200).contains(link.utf8.count), link.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        self.init(chain: chain, sequence: sequence, link: link)
    }

    public var description: String { "\(chain.rawValue):\(sequence):\(link)" }

    /// The message of the log line that anchors the heads: `evidence anchor audit=SEQ:LINK calls=SEQ:LINK`
    /// (a chain with no link yet is left out).
    public static func logMessage(_ anchors: [EvidenceAnchor]) -> String {
        (["evidence anchor"] + anchors.map { "\($0.chain.rawValue)=\($0.sequence):\($0.link)" }).joined(separator: " ")
    }

    /// Every anchor in `text` (a log file, one line per anchor message; other lines are ignored).
    public static func anchors(inLog text: String) -> [EvidenceAnchor] {
        var found: [EvidenceAnchor] = []
        for line in text.split(whereSeparator: \.isNewline) {
            guard let range = line.range(of: "evidence anchor ") else { continue }
            for token in line[range.upperBound...].split(separator: " ") {
                let cleaned = token.trimmingCharacters(in: CharacterSet(charactersIn: "\"',;[]{}"))
                guard cleaned.hasPrefix("audit=") || cleaned.hasPrefix("calls=") else { continue }
                if let anchor = EvidenceAnchor(parsing: cleaned) { found.append(anchor) }
            }
        }
        return found
    }

    /// The latest anchor per chain and sequence, as the verifiers take them (sequence -> link).
    public static func table(_ anchors: [EvidenceAnchor], chain: Chain) -> [Int64: String] {
        var table: [Int64: String] = [:]
        for anchor in anchors where anchor.chain == chain { table[anchor.sequence] = anchor.link }
        return table
    }
}
