import AAMCore
import Foundation

/// How a connection uses TLS: libpq's `sslmode` values and meanings (`PostgresTLS` builds the
/// TLS configuration). `allow` is served as `prefer` (PostgresNIO cannot try plain first).
public enum PostgresSSLMode: String, Sendable, Hashable, CaseIterable {
    /// Plain TCP only.
    case disable
    /// libpq tries plain first; here the same as `prefer`.
    case allow
    /// TLS when the server offers it, plain otherwise; the certificate is not verified. The default.
    case prefer
    /// TLS or no connection; the certificate is not verified (unless `sslrootcert` is given:
    /// then as `verify-ca`, as libpq does).
    case require
    /// TLS with a certificate that chains to `sslrootcert` (or the system's roots).
    case verifyCA = "verify-ca"
    /// `verify-ca`, and the certificate names the URL's host.
    case verifyFull = "verify-full"
}

/// A parsed `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=…]` (or
/// `postgresql://`). Other query parameters are ignored.
///
/// `description` masks the password, so the value can go into errors and logs as is.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// `prefer` unless the URL says otherwise (libpq's default); an unknown value is refused.
    public var sslMode: PostgresSSLMode
    /// A PEM file of the CAs a server certificate must chain to (`verify-ca`, `verify-full`,
    /// `require`); nil or `system` is the system's trust store.
    public var sslRootCert: String?

    public init(
        user: String, password: String? = nil, host: String, port: Int = 5432, database: String, sslMode: PostgresSSLMode = .prefer,
        sslRootCert: String? = nil
    ) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// Parses a connection URL. Errors never repeat the password.
    public init(parsing text: String) throws(PostgresStoreError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw PostgresStoreError("a Postgres URL starts with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        // The credentials end at the last '@' (a password may contain '@' only percent-encoded,
        // but be lenient).
        guard let at = rest.lastIndex(of: "@") else {
            throw PostgresStoreError("the Postgres URL needs a user: postgres://USER@HOST:PORT/DATABASE")
        }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        let userPart: Substring
        if let colon = credentials.firstIndex(of: ":") {
            userPart = credentials[..<colon]
            password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
        } else {
            userPart = credentials
            password = nil
        }
        guard let decodedUser = String(userPart).removingPercentEncoding, !decodedUser.isEmpty else {
            throw PostgresStoreError("the Postgres URL needs a user: postgres://USER@HOST:PORT/DATABASE")
        }
        user = decodedUser
        guard let slash = location.firstIndex(of: "/") else {
            throw PostgresStoreError("the Postgres URL needs a database: postgres://USER@HOST:PORT/DATABASE")
        }
        let hostPort = location[..<slash]
        guard let decodedDatabase = String(location[location.index(after: slash)...]).removingPercentEncoding,
            !decodedDatabase.isEmpty, !decodedDatabase.contains("/")
        else {
            throw PostgresStoreError("the Postgres URL needs a database: postgres://USER@HOST:PORT/DATABASE")
        }
        database = decodedDatabase
        if hostPort.hasPrefix("[") {  // [::1]:5432
            guard let close = hostPort.firstIndex(of: "]") else { throw PostgresStoreError("the Postgres URL has an unclosed IPv6 host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            port = try Self.port(after.hasPrefix(":") ? after.dropFirst() : nil)
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = try Self.port(hostPort[hostPort.index(after: colon)...])
        } else {
            host = String(hostPort)
            port = 5432
        }
        guard !host.isEmpty else { throw PostgresStoreError("the Postgres URL needs a host: postgres://USER@HOST:PORT/DATABASE") }
        sslMode = .prefer
        sslRootCert = nil
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "sslmode":
                guard let mode = PostgresSSLMode(rawValue: parts[1]) else {
                    let known = PostgresSSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PostgresStoreError("sslmode must be one of \(known); got '\(parts[1].prefix(20))'")
                }
                sslMode = mode
            case "sslrootcert":
                guard let path = parts[1].removingPercentEncoding, !path.isEmpty else {
                    throw PostgresStoreError("sslrootcert must name a PEM file of CA certificates (or 'system')")
                }
                sslRootCert = path
            default:
                continue
            }
        }
    }

    private static func port(_ text: Substring?) throws(PostgresStoreError) -> Int {
        guard let text else { return 5432 }
        guard let value = Int(text), (1...65_535).contains(value) else {
            throw PostgresStoreError("the Postgres URL has an invalid port '\(text.prefix(8))'")
        }
        return value
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(hostText):\(port)/\(database)"
    }

    /// The same server and credentials, another database (tests create and drop databases).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The full URL including the password (for handing to a child process; never log it).
    public var unmaskedString: String {
        func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        let hostText = host.contains(":") ? "[\(host)]" : host
        let credentials = encode(user) + (password.map { ":" + encode($0) } ?? "")
        var query: [String] = sslMode == .prefer ? [] : ["sslmode=\(sslMode.rawValue)"]
        if let sslRootCert { query.append("sslrootcert=" + encode(sslRootCert)) }
        return "postgres://\(credentials)@\(hostText):\(port)/\(encode(database))" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}

/// A Postgres store failure in words an operator can act on; never contains a password.
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable, StoreWriteRefusal {
    public let description: String
    /// The server's SQLSTATE, when the server refused the statement.
    public let sqlState: String?
    public init(_ description: String, sqlState: String? = nil) {
        self.description = description
        self.sqlState = sqlState
    }

    /// The server refused what was written, so writing it again cannot succeed: a data
    /// exception (class 22: bad encoding, a value out of range), an integrity constraint
    /// (class 23) or a program limit (class 54: a row or value too large). Anything else (no
    /// connection, a timeout, a missing table or privilege) is transient or not the records'
    /// fault, and is retried.
    public var refusesContent: Bool {
        guard let sqlState, sqlState.count == 5 else { return false }
        return ["22", "23", "54"].contains(String(sqlState.prefix(2)))
    }
}
