/// Detectors for addresses: e-mail (found from its `@`) and IPv6.
enum NetworkDetectors {
    /// Bytes of an e-mail local part: the practical subset of RFC 5322's dot-atom, plus any
    /// non-ASCII UTF-8 (RFC 6531 addresses like `jörg@example.de`). So non-ASCII text written
    /// flush against an address (`メールはbob@example.com`) is taken into the match: redaction
    /// errs towards hiding a few more characters, never towards leaving half an address.
    @inline(__always) static func isLocalPart(_ b: UInt8) -> Bool {
        ASCII.isAlnum(b) || b == ASCII.dot || b == ASCII.underscore || b == ASCII.dash || b == ASCII.plus
            || b == 0x25 /* % */ || b == 0x27 /* ' */ || b >= 0x80
    }

    /// An e-mail address around the `@` at `at`: a local part of 1–64 characters before it and a
    /// domain of two or more labels after it, ending in an alphabetic TLD of 2+ letters (or an
    /// `xn--` label). A trailing sentence dot is not part of the match.
    static func email(_ p: ScanBuffer, at: Int) -> Range<Int>? {
        var start = at
        // At most 64 bytes (the RFC limit); a longer run is cut, not refused, so the address
        // part nearest the `@` is still hidden.
        while start > 0, at - start < 64, isLocalPart(p[start - 1]) { start -= 1 }
        while start < at, p[start] == ASCII.dot || p[start] == ASCII.apostrophe || ASCII.isContinuation(p[start]) {
            start += 1
        }
        guard start < at, p[at - 1] != ASCII.dot else { return nil }
        guard let end = domainEnd(p, from: at + 1) else { return nil }
        return start..<end
    }

    /// End of a DNS name starting at `from` with at least two labels and a plausible TLD.
    static func domainEnd(_ p: ScanBuffer, from: Int) -> Int? {
        var j = from
        var labels = 0
        var lastLabelStart = from
        var end = from
        while j - from < 254 {
            let labelEnd = p.runEnd(from: j, limit: 64) { ASCII.isAlnum($0) || $0 == ASCII.dash }
            let length = labelEnd - j
            guard length >= 1, length <= 63, p[j] != ASCII.dash, p[labelEnd - 1] != ASCII.dash else { break }
            labels += 1
            lastLabelStart = j
            end = labelEnd
            guard p.at(labelEnd) == ASCII.dot, ASCII.isAlnum(p.at(labelEnd + 1)) else { break }
            j = labelEnd + 1
        }
        guard labels >= 2, !ASCII.isWord(p.at(end)), p.at(end) != ASCII.dash else { return nil }
        let tldLength = end - lastLabelStart
        let alphabetic = (lastLabelStart..<end).allSatisfy { ASCII.isLetter(p[$0]) }
        let punycode = p.hasPrefix("xn--", at: lastLabelStart)
        guard tldLength >= 2, alphabetic || punycode else { return nil }
        return end
    }

    /// An IPv6 address starting at `i` (a hex digit or `::`): eight groups of 1–4 hex digits, or
    /// fewer with one `::`, optionally ending in an embedded IPv4 address. To keep `abc::def`,
    /// MAC addresses and clock times out, it must contain a digit and, unless it starts with
    /// `::`, at least two groups.
    static func ipv6(_ p: ScanBuffer, _ i: Int) -> Int? {
        var j = i
        var groups = 0
        var compressed = false
        var sawDigit = false
        let leadingCompression = p.at(i) == ASCII.colon
        if leadingCompression {
            guard p.at(i + 1) == ASCII.colon else { return nil }
            compressed = true
            j += 2
        }
        var end = j
        while groups < 8 {
            let runEnd = p.runEnd(from: j, limit: 5, ASCII.isHex)
            let length = runEnd - j
            if length == 0 { break }  // only legal right after `::` (e.g. `fe80::`)
            guard length <= 4 else { return nil }
            if p.at(runEnd) == ASCII.dot, groups <= 6, let v4End = NumberDetectors.ipv4(p, j) {
                groups += 2
                sawDigit = true
                end = v4End
                break
            }
            for k in j..<runEnd where ASCII.isDigit(p[k]) { sawDigit = true }
            groups += 1
            end = runEnd
            guard p.at(runEnd) == ASCII.colon else { break }
            if p.at(runEnd + 1) == ASCII.colon {
                if compressed { return nil }
                compressed = true
                end = runEnd + 2
                j = runEnd + 2
            } else if ASCII.isHex(p.at(runEnd + 1)) {
                j = runEnd + 1
            } else {
                break
            }
        }
        guard compressed ? groups <= 7 : groups == 8 else { return nil }
        guard sawDigit, leadingCompression || groups >= 2 else { return nil }
        let next = p.at(end)
        guard !ASCII.isWord(next), next != ASCII.colon || !ASCII.isHex(p.at(end + 1)) else { return nil }
        if next == ASCII.dot && ASCII.isAlnum(p.at(end + 1)) { return nil }
        return end
    }
}
