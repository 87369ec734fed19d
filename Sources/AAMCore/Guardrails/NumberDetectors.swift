/// Detectors for numbers with a shape: IPv4 addresses, payment cards, US SSNs and phone numbers.
///
/// Each takes the buffer and the index of a digit (or `+`/`(` for phones) at a word start and
/// returns the end of the match, or nil. All are bounded (they look at most ~40 bytes), so the
/// single pass stays linear.
enum NumberDetectors {
    /// Whether a number may start at `i`: not inside a word and not the continuation of a
    /// dotted or dashed number (`1.2.3.4.5` must not yield `2.3.4.5`; `v1.2.3.4` is a version).
    @inline(__always) static func isNumberStart(_ p: ScanBuffer, _ i: Int) -> Bool {
        let prev = p.at(i - 1)
        if ASCII.isWord(prev) { return false }
        if prev == ASCII.dot || prev == ASCII.dash { return !ASCII.isAlnum(p.at(i - 2)) }
        if prev == 0x2C /* , */ || prev == ASCII.colon { return !ASCII.isDigit(p.at(i - 2)) }
        return true
    }

    /// Whether a number may end before `i`: no identifier character follows, and no separator
    /// followed by a digit (the number would go on: `1.2.3.4.5`, `555-123-4567-8`).
    @inline(__always) static func isNumberEnd(_ p: ScanBuffer, _ i: Int) -> Bool {
        let next = p.at(i)
        if ASCII.isWord(next) { return false }
        if next == ASCII.dot || next == ASCII.dash { return !ASCII.isDigit(p.at(i + 1)) }
        return true
    }

    /// IPv4 dotted quad, each octet 0–255 without leading zeros. `1.2.3.4.5` and `v1.2.3.4` fail
    /// at the boundary checks; a port (`:8080`) or a prefix length (`/24`) may follow.
    static func ipv4(_ p: ScanBuffer, _ i: Int) -> Int? {
        var j = i
        for octet in 0..<4 {
            if octet > 0 {
                guard p.at(j) == ASCII.dot else { return nil }
                j += 1
            }
            let end = p.runEnd(from: j, limit: 4, ASCII.isDigit)
            let length = end - j
            guard length >= 1, length <= 3 else { return nil }
            if length > 1 && p[j] == 0x30 { return nil }
            var value = 0
            for k in j..<end { value = value * 10 + Int(p[k] &- 0x30) }
            guard value <= 255 else { return nil }
            j = end
        }
        let next = p.at(j)
        if ASCII.isWord(next) || next == ASCII.dot && ASCII.isAlnum(p.at(j + 1)) { return nil }
        if next == ASCII.dash && ASCII.isDigit(p.at(j + 1)) { return nil }
        return j
    }

    /// A payment card number: 13–19 digits starting with 2–6 (the issuer ranges of every major
    /// network), contiguous or in groups of at least four separated by one space or dash (the
    /// same separator throughout), passing Luhn. Keeps the longest grouping that passes, so a card
    /// followed by an unrelated number (`4111 1111 1111 1111 2030`) is still found.
    ///
    /// A card-shaped run that fails (wrong issuer digit, failed Luhn) sets `skipTo` past itself:
    /// its tail is not something else (`4111 1111 1111 1112` must not become the phone
    /// `1111 1111 1112`).
    static func creditCard(_ p: ScanBuffer, _ i: Int, skipTo: inout Int) -> Int? {
        var j = i
        var digits = 0
        var separator: UInt8 = 0
        var longest: Int?
        var runEnd = i
        let issuer = (0x32...0x36).contains(p[i])
        while true {
            let end = p.runEnd(from: j, limit: 20, ASCII.isDigit)
            let length = end - j
            digits += length
            if digits > 19 { break }
            runEnd = end
            if issuer, digits >= 13, isNumberEnd(p, end), Checksums.luhn(p, i..<end) { longest = end }
            let next = p.at(end)
            guard length >= 4, next == ASCII.space || next == ASCII.dash, ASCII.isDigit(p.at(end + 1)) else { break }
            if separator == 0 { separator = next } else if separator != next { break }
            j = end + 1
        }
        if longest == nil, digits >= 13 { skipTo = runEnd }
        return longest
    }

    /// A US Social Security number `AAA-GG-SSSS` (dashes or spaces, not bare nine digits, which
    /// are too often something else). Never issued, hence excluded: area 000, 666 and 900–999,
    /// group 00, serial 0000, and the two famous published examples.
    static func ssn(_ p: ScanBuffer, _ i: Int) -> Int? {
        let separator = p.at(i + 3)
        guard separator == ASCII.dash || separator == ASCII.space, p.at(i + 6) == separator else { return nil }
        for k in [0, 1, 2, 4, 5, 7, 8, 9, 10] where !ASCII.isDigit(p.at(i + k)) { return nil }
        let end = i + 11
        guard isNumberEnd(p, end) else { return nil }
        func value(_ from: Int, _ length: Int) -> Int {
            (from..<from + length).reduce(0) { $0 * 10 + Int(p[$1] &- 0x30) }
        }
        let area = value(i, 3), group = value(i + 4, 2), serial = value(i + 7, 4)
        if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 { return nil }
        if (area, group, serial) == (78, 5, 1120) || (area, group, serial) == (219, 9, 9999) { return nil }
        return end
    }

    /// A phone number. International: `+` and 8–15 digits (E.164), with or without separators.
    /// National: 10–12 digits in a shape people write phone numbers in, i.e. an area code in
    /// parentheses, three or more groups, or a trunk `0` then one more group
    /// (`(555) 123-4567`, `555-123-4567`, `06 12 34 56 78`, `030 12345678`). Bare digit runs
    /// (order ids, timestamps) and thousands groupings (`1 000 000 000`) are not phones.
    static func phone(_ p: ScanBuffer, _ i: Int) -> Int? {
        var j = i
        let international = p[i] == ASCII.plus
        if international {
            j += 1
            guard (0x31...0x39).contains(p.at(j)) else { return nil }
        }
        var digits = 0, groups = 0, parenthesized = false
        var firstGroupLength = 0, firstDigit: UInt8 = 0
        var allLaterGroupsThree = true, shortLaterGroup = false
        var separatorKinds: UInt8 = 0  // bit 0: space/dash, bit 1: dot
        var end = 0
        while groups < 7 {
            var closeParen = false
            if p.at(j) == ASCII.openParen {
                guard groups == 0 || international && groups == 1 else { return nil }
                parenthesized = true
                j += 1
                closeParen = true
            }
            let runEnd = p.runEnd(from: j, limit: 13, ASCII.isDigit)
            let length = runEnd - j
            guard length >= 1 else { return nil }
            if groups == 0 {
                firstGroupLength = length
                firstDigit = p[j]
            } else {
                if length != 3 { allLaterGroupsThree = false }
                if length < 2 { shortLaterGroup = true }
            }
            digits += length
            groups += 1
            j = runEnd
            if closeParen {
                guard p.at(j) == ASCII.closeParen else { return nil }
                j += 1
            }
            end = j
            let next = p.at(j)
            if closeParen, ASCII.isDigit(next) { continue }
            let after = p.at(j + 1)
            guard ASCII.isDigit(after) || after == ASCII.openParen else { break }
            if next == ASCII.space || next == ASCII.dash {
                separatorKinds |= 1
            } else if next == ASCII.dot {
                separatorKinds |= 2
            } else {
                break
            }
            j += 1
        }
        guard separatorKinds != 3, !shortLaterGroup, isNumberEnd(p, end) else { return nil }
        if international { return (8...15).contains(digits) ? end : nil }
        guard (10...12).contains(digits), groups <= 6 else { return nil }
        if firstGroupLength <= 3 && allLaterGroupsThree && !parenthesized && groups > 1 { return nil }
        if parenthesized || groups >= 3 || groups == 2 && firstDigit == 0x30 { return end }
        return nil
    }
}
