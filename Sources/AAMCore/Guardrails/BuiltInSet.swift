/// The built-in detectors a scanner runs, as bits: the hot loop tests membership with an AND.
struct BuiltInSet: OptionSet, Sendable {
    let rawValue: UInt32

    static let email = Self(rawValue: 1 << 0)
    static let phone = Self(rawValue: 1 << 1)
    static let creditCard = Self(rawValue: 1 << 2)
    static let ssn = Self(rawValue: 1 << 3)
    static let iban = Self(rawValue: 1 << 4)
    static let ipAddress = Self(rawValue: 1 << 5)
    static let awsAccessKey = Self(rawValue: 1 << 6)
    static let githubToken = Self(rawValue: 1 << 7)
    static let gitlabToken = Self(rawValue: 1 << 8)
    static let slackToken = Self(rawValue: 1 << 9)
    static let apiKey = Self(rawValue: 1 << 10)
    static let privateKey = Self(rawValue: 1 << 11)
    static let jwt = Self(rawValue: 1 << 12)
    static let highEntropySecret = Self(rawValue: 1 << 13)

    private static let byName: [GuardrailDetector: BuiltInSet] = [
        .email: .email, .phone: .phone, .creditCard: .creditCard, .ssn: .ssn, .iban: .iban, .ipAddress: .ipAddress,
        .awsAccessKey: .awsAccessKey, .githubToken: .githubToken, .gitlabToken: .gitlabToken,
        .slackToken: .slackToken, .apiKey: .apiKey, .privateKey: .privateKey, .jwt: .jwt,
        .highEntropySecret: .highEntropySecret,
    ]

    init(rawValue: UInt32) { self.rawValue = rawValue }

    init(_ names: Set<GuardrailDetector>) {
        self = names.reduce(into: []) { set, name in if let bit = Self.byName[name] { set.insert(bit) } }
    }
}

/// Per-byte trigger bits of the scanner's lookup table.
enum Trigger {
    /// May begin a match at a word start.
    static let start: UInt8 = 1
    /// `@`: look around for an e-mail address.
    static let at: UInt8 = 2
    /// `=` or `:`: look for a secret assignment.
    static let assign: UInt8 = 4

    /// The table for a detector set: only bytes that can begin an enabled detector trigger, so
    /// a smaller set scans faster.
    static func table(for on: BuiltInSet) -> [UInt8] {
        var table = [UInt8](repeating: 0, count: 256)
        func mark(_ bytes: some Sequence<UInt8>, _ bit: UInt8) { for b in bytes { table[Int(b)] |= bit } }
        let digits = UInt8(0x30)...0x39, upper = UInt8(0x41)...0x5A, lower = UInt8(0x61)...0x7A
        let hexUpper = UInt8(0x41)...0x46, hexLower = UInt8(0x61)...0x66
        if !on.isDisjoint(with: [.ipAddress, .creditCard, .ssn, .phone, .awsAccessKey]) { mark(digits, start) }
        if on.contains(.phone) { mark([ASCII.plus, ASCII.openParen], start) }
        if on.contains(.privateKey) { mark([ASCII.dash], start) }
        if on.contains(.ipAddress) { mark([ASCII.colon], start); mark(hexUpper, start); mark(hexLower, start) }
        if on.contains(.awsAccessKey) { mark(upper, start); mark(lower, start) }
        if on.contains(.iban) { mark(upper, start) }
        if on.contains(.apiKey) { mark([0x73], start) }
        if on.contains(.jwt) { mark([0x65], start) }
        if on.contains(.githubToken) || on.contains(.gitlabToken) { mark([0x67], start) }
        if on.contains(.slackToken) { mark([0x78], start) }
        if on.contains(.email) { mark([ASCII.at], at) }
        if on.contains(.highEntropySecret) { mark([ASCII.equals, ASCII.colon], assign) }
        return table
    }
}
