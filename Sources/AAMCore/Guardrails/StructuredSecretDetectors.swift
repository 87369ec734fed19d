/// Detectors for secrets and identifiers with internal structure: PEM private-key blocks, JWTs
/// and IBANs. Each verifies the structure (markers, a decodable header, a checksum) locally.
enum StructuredSecretDetectors {
    /// A PEM private key: `-----BEGIN [LABEL ]PRIVATE KEY[ BLOCK]-----` through the matching
    /// `-----END …-----` line. Without an END line the match runs to the end of the input and is
    /// reported unterminated: everything after a private-key header is key material.
    static func privateKey(_ p: ScanBuffer, _ i: Int) -> (end: Int, unterminated: Bool)? {
        guard p.hasPrefix("-----BEGIN ", at: i) else { return nil }
        let labelEnd = p.runEnd(from: i + 11, limit: 48) { ASCII.isUpper($0) || ASCII.isDigit($0) || $0 == ASCII.space }
        var headerEnd = labelEnd
        if p.hasPrefix(" BLOCK", at: headerEnd - 6) { headerEnd -= 6 }
        guard headerEnd - (i + 11) >= 11, p.hasPrefix("PRIVATE KEY", at: headerEnd - 11),
            p.hasPrefix("-----", at: labelEnd)
        else { return nil }
        var j = labelEnd + 5
        while j < p.count {
            if p[j] == ASCII.dash, p.hasPrefix("-----END ", at: j) {
                let close = p.runEnd(from: j + 9, limit: 48) { ASCII.isUpper($0) || ASCII.isDigit($0) || $0 == ASCII.space }
                if p.hasPrefix("-----", at: close) { return (close + 5, false) }
            }
            j += 1
        }
        return (p.count, true)
    }

    /// A JWT (JWS compact form): three base64url segments separated by dots, the first starting
    /// `eyJ` (base64 of `{"`) and decoding to a JSON object with an `"alg"` member. The signature
    /// segment may be empty (`alg: none`).
    static func jwt(_ p: ScanBuffer, _ i: Int) -> Int? {
        guard p.hasPrefix("eyJ", at: i) else { return nil }
        let headerEnd = p.runEnd(from: i, limit: 1025, ASCII.isBase64URL)
        guard headerEnd - i >= 10, p.at(headerEnd) == ASCII.dot else { return nil }
        let payloadEnd = p.runEnd(from: headerEnd + 1, limit: 65_536, ASCII.isBase64URL)
        guard payloadEnd - headerEnd > 2, p.at(payloadEnd) == ASCII.dot else { return nil }
        let signatureEnd = p.runEnd(from: payloadEnd + 1, limit: 4096, ASCII.isBase64URL)
        guard !ASCII.isBase64URL(p.at(signatureEnd)) else { return nil }
        guard Checksums.isJWTHeader(p, i..<headerEnd) else { return nil }
        return signatureEnd
    }

    /// IBAN lengths by country (SWIFT IBAN registry): the length check rejects most lookalikes
    /// before the checksum runs.
    static let ibanLengths: [UInt16: Int] = {
        let table = """
            AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 \
            EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 \
            JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 \
            NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 \
            TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30
            """
        var lengths: [UInt16: Int] = [:]
        for entry in table.split(separator: " ") {
            let bytes = Array(entry.utf8)
            lengths[UInt16(bytes[0]) << 8 | UInt16(bytes[1])] = Int(bytes[2] &- 0x30) * 10 + Int(bytes[3] &- 0x30)
        }
        return lengths
    }()

    /// An IBAN: a known country code, two check digits, then the country's BBAN length of
    /// upper-case letters and digits, optionally grouped by single spaces, passing mod-97. An
    /// IBAN-shaped run that fails the checksum sets `skipTo` past itself, so its digit groups
    /// are not taken for a card or a phone.
    static func iban(_ p: ScanBuffer, _ i: Int, lengths: [UInt16: Int], skipTo: inout Int) -> Int? {
        guard ASCII.isUpper(p.at(i + 1)), ASCII.isDigit(p.at(i + 2)), ASCII.isDigit(p.at(i + 3)) else { return nil }
        guard let length = lengths[UInt16(p[i]) << 8 | UInt16(p[i + 1])] else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 34) { chars -> Int? in
            var n = 0
            var j = i
            while n < length {
                let b = p.at(j)
                if ASCII.isUpper(b) || ASCII.isDigit(b) {
                    chars[n] = b
                    n += 1
                    j += 1
                } else if b == ASCII.space, n >= 4, ASCII.isAlnum(p.at(j + 1)) {
                    j += 1
                } else {
                    return nil
                }
            }
            guard !ASCII.isWord(p.at(j)) else { return nil }
            guard Checksums.mod97(UnsafeBufferPointer(rebasing: chars[0..<n])) else {
                skipTo = j
                return nil
            }
            return j
        }
    }
}
