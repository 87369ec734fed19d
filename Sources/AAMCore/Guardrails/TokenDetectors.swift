/// Detectors for vendor tokens recognised by a fixed prefix: AWS key ids, GitHub, GitLab and
/// Slack tokens, and OpenAI / Anthropic / AAM API keys. Each is called at a word start whose
/// first byte could begin its prefix and returns the end of the token, or nil.
enum TokenDetectors {
    /// Length of the run of `predicate` bytes from `i` (at most 512) if the run ends at a word
    /// boundary, i.e. the token is not the head of a longer identifier.
    @inline(__always) private static func body(_ p: ScanBuffer, _ i: Int, _ predicate: (UInt8) -> Bool) -> Int? {
        let end = p.runEnd(from: i, limit: 513, predicate)
        guard end - i <= 512, !ASCII.isBase64URL(p.at(end)) else { return nil }
        return end - i
    }

    /// The four-letter prefixes of AWS access key ids (`AKIA` long-term, `ASIA` temporary, and
    /// the other IAM unique-id kinds that are used as credentials).
    private static let awsPrefixes: [StaticString] = [
        "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA",
    ]

    /// `AKIA…` + 16 upper-case letters or digits.
    static func awsAccessKeyID(_ p: ScanBuffer, _ i: Int) -> Int? {
        guard p.at(i + 1) >= 0x42, p.at(i + 1) <= 0x53 else { return nil }  // B…S covers every prefix
        guard awsPrefixes.contains(where: { p.hasPrefix($0, at: i) }) else { return nil }
        let end = p.runEnd(from: i + 4, limit: 17) { ASCII.isUpper($0) || ASCII.isDigit($0) }
        return end - i == 20 && !ASCII.isWord(p.at(end)) ? end : nil
    }

    /// A 40-character AWS secret access key (standard base64 alphabet, mixing upper, lower and
    /// digits so a 40-hex git SHA or a long word does not qualify) preceded within 256 bytes by
    /// the word "aws" in any case (`aws_secret_access_key`, `AWS_SECRET…`, "my AWS secret is").
    static func awsSecretKey(_ p: ScanBuffer, _ i: Int) -> Int? {
        let end = p.runEnd(from: i, limit: 41, ASCII.isBase64)
        guard end - i == 40, !ASCII.isBase64(p.at(end)), p.at(end) != ASCII.equals else { return nil }
        var upper = false, lower = false, digit = false
        for k in i..<end {
            let b = p[k]
            upper = upper || ASCII.isUpper(b)
            lower = lower || ASCII.isLower(b)
            digit = digit || ASCII.isDigit(b)
        }
        guard upper, lower, digit else { return nil }
        var k = i - 3
        while k >= max(0, i - 256) {
            if p[k] | 0x20 == 0x61, p[k + 1] | 0x20 == 0x77, p[k + 2] | 0x20 == 0x73,
                !ASCII.isLetter(p.at(k - 1)), !ASCII.isLetter(p.at(k + 3))
            {
                return end
            }
            k -= 1
        }
        return nil
    }

    /// GitHub tokens: `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36 or more alphanumerics, and
    /// fine-grained `github_pat_` + 22 or more of `[A-Za-z0-9_]`.
    static func githubToken(_ p: ScanBuffer, _ i: Int) -> Int? {
        if p.at(i + 1) == 0x68, p.at(i + 3) == ASCII.underscore {  // gh?_
            let kind = p.at(i + 2)
            guard kind == 0x70 || kind == 0x6F || kind == 0x75 || kind == 0x73 || kind == 0x72 else { return nil }
            guard let n = body(p, i + 4, ASCII.isAlnum), n >= 36 else { return nil }
            return i + 4 + n
        }
        if p.hasPrefix("github_pat_", at: i) {
            guard let n = body(p, i + 11, ASCII.isWord), n >= 22 else { return nil }
            return i + 11 + n
        }
        return nil
    }

    /// GitLab personal access tokens: `glpat-` + 20 or more of `[A-Za-z0-9_-]`.
    static func gitlabToken(_ p: ScanBuffer, _ i: Int) -> Int? {
        guard p.hasPrefix("glpat-", at: i), let n = body(p, i + 6, ASCII.isBase64URL), n >= 20 else { return nil }
        return i + 6 + n
    }

    /// Slack tokens: `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-` + 10 or more of `[A-Za-z0-9-]`.
    static func slackToken(_ p: ScanBuffer, _ i: Int) -> Int? {
        guard p.hasPrefix("xox", at: i), p.at(i + 4) == ASCII.dash else { return nil }
        let kind = p.at(i + 3)
        guard kind == 0x61 || kind == 0x62 || kind == 0x70 || kind == 0x72 else { return nil }
        let end = p.runEnd(from: i + 5, limit: 256) { ASCII.isAlnum($0) || $0 == ASCII.dash }
        guard end - (i + 5) >= 10, !ASCII.isWord(p.at(end)) else { return nil }
        return end
    }

    /// API keys: `sk-aam-` + exactly 40 base62 (ours), `sk-ant-…` (Anthropic), and OpenAI-style
    /// `sk-…` / `sk-proj-…` / `sk-svcacct-…` with a body of 20+ of `[A-Za-z0-9_-]` containing
    /// both a letter and a digit (so prose like `sk-learn-is-a-python-library` is not a key).
    static func apiKey(_ p: ScanBuffer, _ i: Int) -> Int? {
        guard p.at(i + 1) == 0x6B, p.at(i + 2) == ASCII.dash else { return nil }  // "sk-"
        if p.hasPrefix("sk-aam-", at: i) {
            let end = p.runEnd(from: i + 7, limit: 41, ASCII.isAlnum)
            if end - (i + 7) == 40, !ASCII.isBase64URL(p.at(end)) { return end }
        }
        guard let n = body(p, i + 3, ASCII.isBase64URL), n >= 20 else { return nil }
        var letter = false, digit = false
        for k in (i + 3)..<(i + 3 + n) {
            letter = letter || ASCII.isLetter(p[k])
            digit = digit || ASCII.isDigit(p[k])
        }
        return letter && digit ? i + 3 + n : nil
    }
}
