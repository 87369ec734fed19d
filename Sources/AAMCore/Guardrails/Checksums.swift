import Foundation

/// The arithmetic checks that turn "looks like" into "is": Luhn for card numbers, ISO 7064
/// mod-97 for IBANs, Shannon entropy for secrets, and the base64url decode a JWT header needs.
enum Checksums {
    /// Luhn over the digits of `bytes[range]`, ignoring separators. Walks right to left in place,
    /// so it needs no buffer.
    static func luhn(_ bytes: ScanBuffer, _ range: Range<Int>) -> Bool {
        var sum = 0
        var double = false
        var digits = 0
        var i = range.upperBound - 1
        while i >= range.lowerBound {
            let b = bytes[i]
            if ASCII.isDigit(b) {
                var d = Int(b &- 0x30)
                if double {
                    d *= 2
                    if d > 9 { d -= 9 }
                }
                sum += d
                double.toggle()
                digits += 1
            }
            i -= 1
        }
        return digits > 1 && sum % 10 == 0
    }

    /// ISO 13616 / ISO 7064 mod-97 check of an IBAN given as its alphanumeric characters (no
    /// spaces): the first four move to the end, letters count as 10…35, the remainder must be 1.
    static func mod97(_ chars: some Collection<UInt8>) -> Bool {
        guard chars.count >= 5 else { return false }
        var remainder = 0
        func feed(_ b: UInt8) -> Bool {
            if ASCII.isDigit(b) {
                remainder = (remainder * 10 + Int(b &- 0x30)) % 97
            } else if ASCII.isLetter(b) {
                remainder = (remainder * 100 + Int(ASCII.lower(b) &- 0x61) + 10) % 97
            } else {
                return false
            }
            return true
        }
        for b in chars.dropFirst(4) where !feed(b) { return false }
        for b in chars.prefix(4) where !feed(b) { return false }
        return remainder == 1
    }

    /// Shannon entropy in bits per byte of `bytes[range]`.
    static func entropy(_ bytes: ScanBuffer, _ range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for i in range { counts[Int(bytes[i])] &+= 1 }
            let n = Double(range.count)
            var h = 0.0
            for c in counts where c > 0 {
                let p = Double(c) / n
                h -= p * log2(p)
            }
            return h
        }
    }

    /// Decodes unpadded base64url `bytes[range]` and reports whether the result, after leading
    /// whitespace, starts with `{` and contains `"alg"`: a JWT/JWS header. Bounded to 1 KB.
    static func isJWTHeader(_ bytes: ScanBuffer, _ range: Range<Int>) -> Bool {
        guard range.count >= 4, range.count <= 1024 else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: range.count) { out in
            var n = 0
            var acc: UInt32 = 0
            var bits = 0
            for i in range {
                guard let v = base64URLValue(bytes[i]) else { return false }
                acc = (acc << 6) | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out[n] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                    n += 1
                }
            }
            let decoded = UnsafeBufferPointer(rebasing: out[0..<n])
            guard let first = decoded.firstIndex(where: { !ASCII.isBlank($0) && $0 != 0x0A && $0 != 0x0D }),
                decoded[first] == 0x7B
            else { return false }
            let needle: [UInt8] = Array("\"alg\"".utf8)
            guard decoded.count >= needle.count else { return false }
            for start in first...(decoded.count - needle.count)
            where decoded[start] == needle[0] && decoded[start..<start + needle.count].elementsEqual(needle) {
                return true
            }
            return false
        }
    }

    @inline(__always) private static func base64URLValue(_ b: UInt8) -> UInt8? {
        if ASCII.isUpper(b) { return b &- 0x41 }
        if ASCII.isLower(b) { return b &- 0x61 &+ 26 }
        if ASCII.isDigit(b) { return b &- 0x30 &+ 52 }
        if b == ASCII.dash { return 62 }
        if b == ASCII.underscore { return 63 }
        return nil
    }
}
