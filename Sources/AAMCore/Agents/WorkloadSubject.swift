import Foundation

/// Which workloads a policy applies to: one SPIFFE ID, or every ID below a prefix.
///
/// Written as an ID (`spiffe://prod/agent/finance-analyst`) or as an ID followed by `/*`
/// (`spiffe://prod/agent/*`: any ID with at least one more path segment below
/// `spiffe://prod/agent`; `spiffe://prod/*`: every workload of the trust domain `prod`).
/// The `*` is only allowed as the whole last segment, so a subject can never match across
/// trust domains.
public enum WorkloadSubject: Sendable, Hashable, CustomStringConvertible {
    case exact(SPIFFEID)
    /// Every ID that starts with the given ID followed by `/`.
    case below(SPIFFEID)

    /// Parses `text`; throws the SPIFFE rule the ID part breaks.
    public init(_ text: String) throws(SPIFFEIDError) {
        if text.hasSuffix("/*") {
            self = .below(try SPIFFEID(String(text.dropLast(2))))
        } else {
            self = .exact(try SPIFFEID(text))
        }
    }

    public var description: String {
        switch self {
        case .exact(let id): return id.description
        case .below(let id): return id.description + "/*"
        }
    }

    /// Whether the workload `id` is covered.
    public func matches(_ id: SPIFFEID) -> Bool {
        switch self {
        case .exact(let subject): return subject == id
        case .below(let parent): return Self.isBelow(id.description, parent: parent.description)
        }
    }

    /// `child` starts with `parent + "/"` and goes on (compared as bytes, no allocation).
    static func isBelow(_ child: String, parent: String) -> Bool {
        let fast = child.utf8.withContiguousStorageIfAvailable { childBytes in
            parent.utf8.withContiguousStorageIfAvailable { parentBytes in
                childBytes.count > parentBytes.count + 1 && childBytes[parentBytes.count] == UInt8(ascii: "/")
                    && childBytes.prefix(parentBytes.count).elementsEqual(parentBytes)
            }
        }
        if let answer = fast ?? nil { return answer }
        let childBytes = child.utf8
        let parentBytes = parent.utf8
        guard childBytes.count > parentBytes.count + 1, childBytes.starts(with: parentBytes) else { return false }
        return childBytes[childBytes.index(childBytes.startIndex, offsetBy: parentBytes.count)] == UInt8(ascii: "/")
    }
}
