/// A workload identity as the SPIFFE specification (SPIFFE-ID.md §2) defines it:
/// `spiffe://TRUST-DOMAIN/PATH`.
///
/// Guarantees, checked once at parse time so the decision path only compares strings:
/// - the scheme is exactly `spiffe` (lowercase) followed by `://`;
/// - the trust domain is non-empty, at most 255 bytes, of `[a-z0-9._-]` only (so no user info,
///   no port, no `:` delimiter);
/// - the path is empty or `/`-separated segments that are non-empty, not `.` or `..`, of
///   `[A-Za-z0-9._-]` only, with no trailing `/`;
/// - there is no query and no fragment;
/// - the whole ID is at most 2,048 bytes.
public struct SPIFFEID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The ID as written (already canonical: the rules above admit no alternative spellings).
    public let description: String
    /// The trust domain name, e.g. `prod` in `spiffe://prod/agent/finance-analyst`.
    public let trustDomain: String
    /// The path including its leading `/`, or empty for a trust domain's own ID.
    public let path: String

    /// The byte length the specification allows for a whole SPIFFE ID.
    public static let maximumLength = 2048
    /// The byte length allowed for a trust domain name (the URI host limit).
    public static let maximumTrustDomainLength = 255
    static let scheme = "spiffe://"

    /// Parses and validates `text`; throws the first rule it breaks.
    public init(_ text: String) throws(SPIFFEIDError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumLength else { throw .tooLong(bytes.count) }
        let scheme = Array(Self.scheme.utf8)
        guard bytes.starts(with: scheme) else { throw .wrongScheme }
        let rest = bytes[scheme.count...]
        if let mark = rest.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            throw bytes[mark] == UInt8(ascii: "?") ? .query : .fragment
        }
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let domain = rest[rest.startIndex..<slash]
        try Self.checkTrustDomain(domain)
        let path = rest[slash...]
        try Self.checkPath(path)
        self.description = text
        self.trustDomain = String(decoding: domain, as: UTF8.self)
        self.path = String(decoding: path, as: UTF8.self)
    }

    /// Whether `text` is a valid SPIFFE ID.
    public static func isValid(_ text: String) -> Bool { (try? SPIFFEID(text)) != nil }

    public static func < (lhs: SPIFFEID, rhs: SPIFFEID) -> Bool { lhs.description < rhs.description }

    private static func checkTrustDomain(_ domain: ArraySlice<UInt8>) throws(SPIFFEIDError) {
        guard !domain.isEmpty else { throw .missingTrustDomain }
        if domain.contains(UInt8(ascii: "@")) { throw .userInfo }
        if domain.contains(UInt8(ascii: ":")) { throw .port }
        for byte in domain where !isTrustDomainByte(byte) { throw .trustDomainCharacter(display(byte)) }
        guard domain.count <= maximumTrustDomainLength else { throw .trustDomainTooLong(domain.count) }
    }

    private static func checkPath(_ path: ArraySlice<UInt8>) throws(SPIFFEIDError) {
        guard !path.isEmpty else { return }
        if path.last == UInt8(ascii: "/") { throw .trailingSlash }
        // Skip the leading "/", then check each segment between slashes.
        for segment in path.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard !segment.isEmpty else { throw .emptySegment }
            if segment.elementsEqual([UInt8(ascii: ".")]) || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                throw .dotSegment
            }
            for byte in segment where !isPathByte(byte) { throw .pathCharacter(display(byte)) }
        }
    }

    static func isTrustDomainByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }

    static func isPathByte(_ byte: UInt8) -> Bool {
        isTrustDomainByte(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// A byte as an error shows it: printable ASCII as itself, anything else as `\xNN`.
    private static func display(_ byte: UInt8) -> String {
        (0x21...0x7e).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
    }
}

/// Why a string is not a SPIFFE ID. `description` is the sentence an error message shows.
public enum SPIFFEIDError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case wrongScheme
    case missingTrustDomain
    case userInfo
    case port
    case trustDomainCharacter(String)
    case trustDomainTooLong(Int)
    case query
    case fragment
    case emptySegment
    case dotSegment
    case trailingSlash
    case pathCharacter(String)

    public var description: String {
        switch self {
        case .empty: return "is empty"
        case .tooLong(let count): return "is \(count) bytes long (at most \(SPIFFEID.maximumLength))"
        case .wrongScheme: return "must start with 'spiffe://'"
        case .missingTrustDomain: return "trust domain is missing"
        case .userInfo: return "user info ('@') is not allowed in the trust domain"
        case .port: return "a port (':') is not allowed in the trust domain"
        case .trustDomainCharacter(let character):
            return "trust domain may only hold lowercase letters, digits, '.', '-' and '_' (found '\(character)')"
        case .trustDomainTooLong(let count):
            return "trust domain is \(count) bytes long (at most \(SPIFFEID.maximumTrustDomainLength))"
        case .query: return "a query ('?') is not allowed"
        case .fragment: return "a fragment ('#') is not allowed"
        case .emptySegment: return "path segments must not be empty ('//')"
        case .dotSegment: return "path segments must not be '.' or '..'"
        case .trailingSlash: return "path must not end with '/'"
        case .pathCharacter(let character):
            return "path may only hold letters, digits, '.', '-' and '_' (found '\(character)')"
        }
    }
}
