import Crypto
import Foundation

/// AWS Signature Version 4 for one HTTP request (header form), pure: the clock is an argument.
///
/// Canonical request = method, canonical URI, canonical query, canonical headers, signed header
/// names, payload hash; string to sign = `AWS4-HMAC-SHA256`, the `x-amz-date`, the scope
/// (`date/region/service/aws4_request`) and the canonical request's SHA-256; the key is derived
/// by HMAC-SHA256 from `"AWS4" + secret` through date, region, service and `aws4_request`.
/// Checked against AWS's published test suite (`SigV4SignerTests`). The Bedrock fake verifies
/// requests with the same code, so a mistake here would pass there: the published vectors are
/// what keep it honest.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// The headers to add to the request: `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `authorization`.
    ///
    /// `path` is the request path as sent (already percent-encoded), `query` the raw query
    /// (without `?`), `headers` the other headers that are sent and signed (lowercase names;
    /// `host` must be among them).
    public func sign(
        method: String, path: String, query: String = "", headers: [(String, String)], body: [UInt8], date: Date,
        signPayloadHeader: Bool = true
    ) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        let payloadHash = Self.hex(SHA256.hash(data: body))
        var added: [(String, String)] = [("x-amz-date", amzDate)]
        if signPayloadHeader { added.append(("x-amz-content-sha256", payloadHash)) }
        if let sessionToken { added.append(("x-amz-security-token", sessionToken)) }
        let signed = headers + added
        let (names, signature) = self.signature(
            method: method, path: path, query: query, headers: signed, payloadHash: payloadHash, amzDate: amzDate)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        added.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(names), Signature=\(signature)"))
        return added
    }

    /// The signed header names (`host;x-amz-date`) and the hex signature for a request whose
    /// `headers` already hold `x-amz-date` (`amzDate`) and every other header to be signed.
    public func signature(
        method: String, path: String, query: String, headers: [(String, String)], payloadHash: String, amzDate: String
    ) -> (signedHeaders: String, signature: String) {
        let canonical = Self.canonicalRequest(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.request.utf8))))"
        let key = signingKey(dateStamp: String(amzDate.prefix(8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return (canonical.signedHeaders, Self.hex(mac))
    }

    /// HMAC chain `"AWS4"+secret` -> date -> region -> service -> `aws4_request`.
    func signingKey(dateStamp: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// The canonical request text and its signed header names.
    static func canonicalRequest(
        method: String, path: String, query: String, headers: [(String, String)], payloadHash: String
    ) -> (request: String, signedHeaders: String) {
        // Header names lowercased and sorted, values trimmed with inner runs of spaces folded,
        // repeated names joined by commas in the order sent.
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let folded = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(folded.trimmingCharacters(in: .whitespaces))
        }
        let sorted = merged.sorted { $0.key < $1.key }
        let names = sorted.map(\.key)
        let canonicalHeaders = sorted.map { "\($0.key):\($0.value.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [method, canonicalURI(path), canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// Every service but S3 signs the path encoded once more: each segment of the path as sent
    /// (`/model/anthropic.claude-v2%3A1/converse`) is URI-encoded again (`%253A`).
    static func canonicalURI(_ path: String) -> String {
        if path.isEmpty { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
    }

    /// Query pairs sorted by encoded name then value, each encoded (already-encoded input is decoded first).
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (uriEncode(name), uriEncode(value))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters stay; every other byte is `%XX` (upper-case hex).
    static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `20150830T123600Z` (UTC).
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The instant an `x-amz-date` names; nil when it is not one.
    public static func parseAmzDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: text)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }
}
