import AAMCore
import Foundation

/// Decoding of admin request bodies with errors that name the field, and rejection of unknown
/// fields (a typo such as `baseUrl` must not be silently ignored).
enum AdminJSON {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], allowed: Set<String>) throws(AdminError) -> T {
        let scan: JSONObjectScanner
        do { scan = try JSONObjectScanner(bytes) } catch {
            // A key held twice (at any depth) is refused, never resolved: JSONDecoder keeps the
            // first, the unknown-field check above reads every member, a script may mean the last.
            throw AdminError("request body is not a valid JSON object (\(error.description))", code: error.duplicateKey == nil ? .invalidRequest : .invalidJSON)
        }
        for member in scan.members where !allowed.contains(member.key) {
            let suggestion = closest(member.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw AdminError("unknown field\(suggestion)", field: member.key)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(isoDate)
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            throw AdminError("is required", field: path(context.codingPath + [key]))
        } catch let DecodingError.typeMismatch(expected, context) {
            throw AdminError("expected \(describe(expected))", field: path(context.codingPath))
        } catch let DecodingError.valueNotFound(expected, context) {
            throw AdminError("expected \(describe(expected)), got null", field: path(context.codingPath))
        } catch let DecodingError.dataCorrupted(context) {
            throw AdminError(context.debugDescription, field: path(context.codingPath))
        } catch {
            throw AdminError("invalid request body")
        }
    }

    /// ISO 8601 dates (with or without fractional seconds). Foundation's `.iso8601` strategy
    /// reports a bad date without its coding path, so the error could not name the field.
    @Sendable static func isoDate(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 date such as 2030-01-31T00:00:00Z")
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue { result += "[\(index)]" } else { result += (result.isEmpty ? "" : ".") + key.stringValue }
        }
        return result.isEmpty ? "body" : result
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        case is [String: String].Type: "an object of strings"
        case is Date.Type: "an ISO 8601 date"
        default: "a value of type \(type)"
        }
    }

    /// The allowed name closest to `name` by edit distance, if close enough to be a typo.
    static func closest(_ name: String, in allowed: Set<String>) -> String? {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in allowed.sorted() {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, name.count / 3) else { return nil }
        return best.name
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Field checks shared by the admin routes.
enum AdminValidation {
    static func slug(_ value: String, field: String) throws(AdminError) {
        guard Slug.isValid(value) else {
            throw AdminError("must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit", field: field)
        }
    }

    static func baseURL(_ value: String, field: String = "baseURL", outbound: OutboundURLPolicy) throws(AdminError) {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw AdminError("must be an http(s) URL with a host", field: field) }
        if let problem = outbound.problem(value) { throw AdminError(problem, field: field) }
    }

    static func nonNegative(_ value: Int?, field: String) throws(AdminError) {
        if let value, value < 0 { throw AdminError("must be >= 0", field: field) }
    }

    static let forbiddenHeaders: Set<String> = ["authorization", "api-key", "x-api-key", "proxy-authorization"]

    static func headers(_ headers: [String: String]?, field: String = "headers") throws(AdminError) {
        for name in (headers ?? [:]).keys where forbiddenHeaders.contains(name.lowercased()) {
            throw AdminError("must not carry credentials (use 'credential')", field: "\(field).\(name)")
        }
    }
}
