/// `high_entropy_secret`: a value assigned to a secret-sounding name that looks random.
///
/// Triggered at `=` or `:`; recognises `password=…`, `API_KEY: …`, `export TOKEN="…"` and JSON
/// `"client_secret": "…"`. The name (up to 48 characters before the operator, quotes and blanks
/// skipped), lowercased with `_ - .` removed, must contain one of `password`, `passwd`,
/// `passphrase`, `secret`, `token`, `apikey`, `accesskey`, `privatekey`, `credential`,
/// `authkey`. The value is the quoted string, or the unquoted run up to a blank or `, ; & ) ] }`.
///
/// Thresholds (bits per byte of Shannon entropy over the value's bytes):
/// - 10–15 bytes: entropy ≥ 3.2 and at least three of {lower, upper, digit, symbol};
/// - 16–512 bytes: entropy ≥ 3.6 and at least two classes.
///
/// Why these numbers: an n-byte value has at most log2(n) bits per byte, so a fixed threshold
/// would either miss every short password or fire on words. Dictionary passwords like
/// `changeme` (2.75), `password123` (3.28, two classes), `hunter2hunter2` or
/// `correcthorsebatterystaple` (3.4) stay below; random strings (16 base62 ≈ 3.9, 32 hex ≈ 3.8,
/// 10 mixed-class ≈ 3.3) pass. Values that are references, not secrets (`$VAR`, `${…}`,
/// `<placeholder>`, `{{ template }}`, `%s`), and comparisons (`==`, `!=`, `<=`, `>=`) never fire.
enum SecretAssignmentDetector {
    static let nameKeywords: [[UInt8]] = [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey", "credential",
        "authkey",
    ].map { Array($0.utf8) }

    /// The value's range when the assignment operator at `op` assigns a high-entropy value to a
    /// secret-sounding name.
    static func match(_ p: ScanBuffer, op: Int) -> Range<Int>? {
        let opByte = p[op]
        if opByte == ASCII.equals {
            let prev = p.at(op - 1), next = p.at(op + 1)
            if next == ASCII.equals || prev == ASCII.equals || prev == 0x21 || prev == 0x3C || prev == 0x3E { return nil }
        } else if p.at(op + 1) == ASCII.colon || p.at(op - 1) == ASCII.colon {
            return nil  // `::` (C++, Swift module paths, IPv6)
        }
        guard nameIsSecret(p, op: op) else { return nil }
        guard let value = valueRange(p, op: op) else { return nil }
        return passesThresholds(p, value) ? value : nil
    }

    private static func nameIsSecret(_ p: ScanBuffer, op: Int) -> Bool {
        var j = op - 1
        while j >= 0, op - j <= 4, ASCII.isBlank(p[j]) { j -= 1 }
        if j >= 0, p[j] == ASCII.quote || p[j] == ASCII.apostrophe { j -= 1 }
        let nameEnd = j + 1
        while j >= 0, nameEnd - j <= 48, ASCII.isWord(p[j]) || p[j] == ASCII.dash || p[j] == ASCII.dot { j -= 1 }
        let nameStart = j + 1
        guard nameEnd - nameStart >= 3, nameEnd - nameStart <= 48 else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { name in
            var n = 0
            for k in nameStart..<nameEnd where ASCII.isAlnum(p[k]) {
                name[n] = ASCII.lower(p[k])
                n += 1
            }
            let normalized = UnsafeBufferPointer(rebasing: name[0..<n])
            return nameKeywords.contains { keyword in
                guard keyword.count <= n else { return false }
                for start in 0...(n - keyword.count) where normalized[start] == keyword[0] {
                    if normalized[start..<start + keyword.count].elementsEqual(keyword) { return true }
                }
                return false
            }
        }
    }

    private static func valueRange(_ p: ScanBuffer, op: Int) -> Range<Int>? {
        var j = op + 1
        while j < p.count, j - op <= 4, ASCII.isBlank(p[j]) { j += 1 }
        let first = p.at(j)
        if first == ASCII.quote || first == ASCII.apostrophe {
            let start = j + 1
            var k = start
            while k < p.count, k - start <= 512 {
                let b = p[k]
                if b == first { return start..<k }
                if b == 0x0A || b == 0x0D { return nil }
                k += b == 0x5C ? 2 : 1  // skip an escaped character
            }
            return nil
        }
        let end = p.runEnd(from: j, limit: 513) { b in
            b > ASCII.space && b < 0x7F && b != 0x2C && b != 0x3B && b != 0x26 && b != ASCII.closeParen
                && b != 0x5D && b != 0x7D && b != ASCII.quote && b != ASCII.apostrophe && b != 0x60
        }
        return j < end ? j..<end : nil
    }

    private static func passesThresholds(_ p: ScanBuffer, _ value: Range<Int>) -> Bool {
        let length = value.count
        guard length >= 10, length <= 512 else { return false }
        let first = p[value.lowerBound]
        if first == 0x24 /* $ */ || first == 0x3C /* < */ || first == 0x7B /* { */ || first == 0x25 /* % */ {
            return false
        }
        var lower = false, upper = false, digit = false, symbol = false
        for k in value {
            let b = p[k]
            if ASCII.isLower(b) { lower = true } else if ASCII.isUpper(b) { upper = true } else if ASCII.isDigit(b) {
                digit = true
            } else { symbol = true }
        }
        let classes = (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (symbol ? 1 : 0)
        let entropy = Checksums.entropy(p, value)
        if length < 16 { return entropy >= 3.2 && classes >= 3 }
        return entropy >= 3.6 && classes >= 2
    }
}
