/// One request exactly as the fake received it.
public struct RecordedRequest: Sendable, Hashable {
    /// A header as sent: name in the client's spelling, in arrival order.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// 1 for the first request the fake received, then 2, 3, …
    public var sequence: Int
    public var method: String
    /// The path without the query, e.g. `/v1/chat/completions`.
    public var path: String
    /// The raw query string without `?`, if any.
    public var query: String?
    public var headers: [Header]
    public var body: [UInt8]
    /// The `model` of the body (or the Azure deployment), when the fake could read one.
    public var model: String?

    public init(
        sequence: Int,
        method: String,
        path: String,
        query: String?,
        headers: [Header],
        body: [UInt8],
        model: String?
    ) {
        self.sequence = sequence
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.model = model
    }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// All values of a header, matched case-insensitively.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The first value of a query parameter (not percent-decoded).
    public func queryItem(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name {
                return parts.count > 1 ? String(parts[1]) : ""
            }
        }
        return nil
    }
}
