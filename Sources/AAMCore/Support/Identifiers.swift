import Foundation

/// Random identifiers and key material.
public enum Identifiers {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `count` base62 characters from the system CSPRNG.
    public static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            // Rejection sampling keeps every character equally likely.
            var value: UInt8
            repeat { value = UInt8.random(in: 0...255, using: &generator) } while value >= 248
            bytes.append(base62[Int(value % 62)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func requestID() -> String { RequestIDGenerator.next() }
}

/// The shape of a virtual key: `sk-aam-` + 40 base62 characters (~238 bits).
/// The first 8 characters after `sk-aam-` form the public display prefix.
public enum VirtualKeyFormat {
    public static let marker = "sk-aam-"
    public static let randomLength = 40
    public static let prefixLength = marker.count + 8

    public static func generate() -> String { marker + Identifiers.random(randomLength) }

    public static func prefix(of key: String) -> String { String(key.prefix(prefixLength)) }

    /// Cheap syntactic check before hashing, so garbage never costs an HMAC.
    public static func looksValid(_ key: String) -> Bool {
        key.utf8.count == marker.utf8.count + randomLength && key.hasPrefix(marker)
            && key.utf8.dropFirst(marker.utf8.count).allSatisfy { Identifiers.base62.contains($0) }
    }
}
