/// A compiled detector set that finds every match in ONE pass over the text.
///
/// The pass walks the UTF-8 bytes once. Per byte it does one table lookup: most bytes trigger
/// nothing. A trigger byte at a word start (a digit, `+`, `(`, `-`, or a letter that can begin a
/// token prefix such as `s` for `sk-`, `e` for `eyJ`, `A` for `AKIA`) runs the few detectors that
/// can start with it; `@` runs the e-mail check around it; `=` and `:` run the secret-assignment
/// check. Each detector verifies its candidate locally in a bounded number of bytes (checksums
/// included), and after a match the start detectors resume at its end, so the pass is linear.
/// Denylist keywords ride along as an Aho–Corasick automaton stepped in the same loop.
///
/// Regular-expression detectors (custom detectors, `/…/` denylist entries) cannot be fused into
/// the byte loop; they are fused with each other into one alternation and cost one extra pass,
/// only when a policy declares them.
///
/// Build one per effective policy and direction when the config snapshot changes; scanning is
/// thread-safe and allocation-light (the result array).
public struct GuardrailScanner: Sendable {
    /// The detectors this scanner runs.
    public let detectors: Set<GuardrailDetector>
    let builtIns: BuiltInSet
    /// Per byte: `Trigger` bits.
    private let triggers: [UInt8]
    private let keywords: KeywordAutomaton?
    private let patterns: PatternSet?
    private let ibanLengths = StructuredSecretDetectors.ibanLengths

    /// - Parameters:
    ///   - detectors: built-in names and names of `customDetectors` to run; others are ignored.
    ///   - denylist: keywords (case-insensitive) and `/regular expressions/`, used when
    ///     `detectors` contains `denylist`.
    /// - Throws: `GuardrailConfigError` for an invalid custom or denylist pattern.
    public init(
        detectors: some Sequence<GuardrailDetector>, denylist: [String] = [], customDetectors: [CustomDetector] = []
    ) throws(GuardrailConfigError) {
        let names = Set(detectors)
        var keywordList: [String] = []
        var entries: [PatternSet.Entry] = []
        if names.contains(.denylist) {
            for (index, entry) in denylist.enumerated() {
                if entry.utf8.count > 2, entry.hasPrefix("/"), entry.hasSuffix("/") {
                    let pattern = String(entry.dropFirst().dropLast())
                    entries.append(.init(detector: .denylist, pattern: pattern, caseInsensitive: true, field: "denylist[\(index)]"))
                } else {
                    keywordList.append(entry)
                }
            }
        }
        for (index, custom) in customDetectors.enumerated() where names.contains(GuardrailDetector(custom.name)) {
            entries.append(
                .init(
                    detector: GuardrailDetector(custom.name), pattern: custom.pattern,
                    caseInsensitive: custom.caseInsensitive, validator: custom.validator,
                    field: "customDetectors[\(index)].pattern"))
        }
        self.init(names: names, keywords: KeywordAutomaton(keywords: keywordList), patterns: try PatternSet(entries))
    }

    /// A scanner of built-in detectors only: there is no pattern to compile, so it cannot fail
    /// (a `denylist` or custom name among `detectors` matches nothing here).
    public init(builtIn detectors: some Sequence<GuardrailDetector>) {
        self.init(names: Set(detectors), keywords: nil, patterns: nil)
    }

    private init(names: Set<GuardrailDetector>, keywords: KeywordAutomaton?, patterns: PatternSet?) {
        self.detectors = names
        let builtIns = BuiltInSet(names)
        self.builtIns = builtIns
        self.triggers = Trigger.table(for: builtIns)
        self.keywords = keywords
        self.patterns = patterns
    }

    /// Whether this scanner runs nothing (every detector allowed): callers can skip the text.
    public var isEmpty: Bool { builtIns.isEmpty && keywords == nil && patterns == nil }

    /// Every match in `text`, sorted by start. Built-in detector matches never overlap each
    /// other (the more specific or longer one wins); denylist and custom matches are reported
    /// independently, so they may overlap a built-in match.
    public func scan(_ text: String) -> [GuardrailMatch] {
        var contiguous = text  // withUTF8 may make a bridged string contiguous; `text` stays intact
        return contiguous.withUTF8 { scan(bytes: ScanBuffer(base: $0), text: { text }) }
    }

    /// The same over bytes; `text` supplies the same bytes as a String, asked for only when
    /// regular-expression detectors run.
    func scan(bytes p: ScanBuffer, text: () -> String) -> [GuardrailMatch] {
        var builtIn: [GuardrailMatch] = []
        var extra: [GuardrailMatch] = []
        triggers.withUnsafeBufferPointer { trig in
            if let keywords {
                keywords.withStepper { stepper in
                    scanLoop(p, trig, &builtIn) { i in
                        if stepper.step(p[i]) {
                            keywords.report(stepper, p, i) { extra.append(GuardrailMatch(detector: .denylist, range: $0)) }
                        }
                    }
                }
            } else {
                scanLoop(p, trig, &builtIn) { _ in }
            }
        }
        var result = Self.resolveOverlaps(builtIn)
        if let patterns { patterns.matches(in: text(), into: &extra) }
        if !extra.isEmpty {
            result += extra
            result.sort { $0.range.lowerBound < $1.range.lowerBound }
        }
        return result
    }

    @inline(__always)
    private func scanLoop(
        _ p: ScanBuffer, _ trig: UnsafeBufferPointer<UInt8>, _ out: inout [GuardrailMatch],
        keywordStep: (Int) -> Void
    ) {
        var resume = 0
        var prev: UInt8 = 0
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            let t = trig[Int(b)]
            if t != 0 {
                if t & Trigger.start != 0, i >= resume, !ASCII.isWord(prev) {
                    if let m = startMatch(p, i, b, skipTo: &resume) {
                        out.append(m)
                        resume = m.range.upperBound
                    }
                }
                if t & Trigger.at != 0, let range = NetworkDetectors.email(p, at: i) {
                    out.append(GuardrailMatch(detector: .email, range: range))
                    resume = max(resume, range.upperBound)
                }
                if t & Trigger.assign != 0, let range = SecretAssignmentDetector.match(p, op: i) {
                    out.append(GuardrailMatch(detector: .highEntropySecret, range: range))
                }
            }
            keywordStep(i)
            prev = b
            i += 1
        }
    }

    /// Runs the start detectors that can begin with `b`, most specific first. A detector that
    /// recognises a near miss (a failed checksum) moves `skipTo` past it.
    @inline(__always)
    private func startMatch(_ p: ScanBuffer, _ i: Int, _ b: UInt8, skipTo: inout Int) -> GuardrailMatch? {
        let on = builtIns
        func hit(_ d: GuardrailDetector, _ end: Int?) -> GuardrailMatch? {
            end.map { GuardrailMatch(detector: d, range: i..<$0) }
        }
        if ASCII.isDigit(b) {
            if on.contains(.ipAddress), Self.colonSoon(p, i), let m = hit(.ipAddress, NetworkDetectors.ipv6(p, i)) { return m }
            if NumberDetectors.isNumberStart(p, i) {
                if on.contains(.ipAddress), let m = hit(.ipAddress, NumberDetectors.ipv4(p, i)) { return m }
                if on.contains(.creditCard), let m = hit(.creditCard, NumberDetectors.creditCard(p, i, skipTo: &skipTo)) { return m }
                if skipTo > i { return nil }
                if on.contains(.ssn), let m = hit(.ssn, NumberDetectors.ssn(p, i)) { return m }
                if on.contains(.phone), let m = hit(.phone, NumberDetectors.phone(p, i)) { return m }
            }
        } else if ASCII.isLetter(b) {
            switch b {
            case 0x41:  // A
                if on.contains(.awsAccessKey), let m = hit(.awsAccessKey, TokenDetectors.awsAccessKeyID(p, i)) { return m }
            case 0x65:  // e
                if on.contains(.jwt), let m = hit(.jwt, StructuredSecretDetectors.jwt(p, i)) { return m }
            case 0x67:  // g
                if on.contains(.githubToken), let m = hit(.githubToken, TokenDetectors.githubToken(p, i)) { return m }
                if on.contains(.gitlabToken), let m = hit(.gitlabToken, TokenDetectors.gitlabToken(p, i)) { return m }
            case 0x73:  // s
                if on.contains(.apiKey), let m = hit(.apiKey, TokenDetectors.apiKey(p, i)) { return m }
            case 0x78:  // x
                if on.contains(.slackToken), let m = hit(.slackToken, TokenDetectors.slackToken(p, i)) { return m }
            default:
                break
            }
            if on.contains(.iban), ASCII.isUpper(b) {
                if let m = hit(.iban, StructuredSecretDetectors.iban(p, i, lengths: ibanLengths, skipTo: &skipTo)) { return m }
                if skipTo > i { return nil }
            }
            if on.contains(.ipAddress), ASCII.isHex(b), Self.colonSoon(p, i), let m = hit(.ipAddress, NetworkDetectors.ipv6(p, i)) {
                return m
            }
        } else {
            switch b {
            case ASCII.dash:
                if on.contains(.privateKey), let key = StructuredSecretDetectors.privateKey(p, i) {
                    return GuardrailMatch(detector: .privateKey, range: i..<key.end, isUnterminated: key.unterminated)
                }
                return nil
            case ASCII.plus, ASCII.openParen:
                return on.contains(.phone) ? hit(.phone, NumberDetectors.phone(p, i)) : nil
            case ASCII.colon:
                return on.contains(.ipAddress) ? hit(.ipAddress, NetworkDetectors.ipv6(p, i)) : nil
            default:
                return nil
            }
        }
        if on.contains(.awsAccessKey) { return hit(.awsAccessKey, TokenDetectors.awsSecretKey(p, i)) }
        return nil
    }

    /// An IPv6 address has a colon within its first five bytes; checking first keeps the IPv6
    /// parser off ordinary words and numbers.
    @inline(__always) private static func colonSoon(_ p: ScanBuffer, _ i: Int) -> Bool {
        p.at(i + 1) == ASCII.colon || p.at(i + 2) == ASCII.colon || p.at(i + 3) == ASCII.colon
            || p.at(i + 4) == ASCII.colon
    }

    /// Built-in matches can overlap only through the two detectors that look around a trigger
    /// (`@` reaches back over a local part, `=` forward over a value). Keep one per region: a
    /// specific detector beats `high_entropy_secret`, otherwise the longer match wins.
    static func resolveOverlaps(_ matches: [GuardrailMatch]) -> [GuardrailMatch] {
        guard matches.count > 1 else { return matches }
        let sorted = matches.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var kept: [GuardrailMatch] = []
        kept.reserveCapacity(sorted.count)
        for match in sorted {
            guard let last = kept.last, last.range.overlaps(match.range) else {
                kept.append(match)
                continue
            }
            let lastGeneric = last.detector == .highEntropySecret, matchGeneric = match.detector == .highEntropySecret
            let replace = lastGeneric != matchGeneric ? lastGeneric : match.range.count > last.range.count
            if replace { kept[kept.count - 1] = match }
        }
        return kept
    }
}
