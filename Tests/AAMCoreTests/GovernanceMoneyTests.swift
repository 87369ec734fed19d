import AAMCore
import Foundation
import Testing

@Suite("Governance: Money")
struct GovernanceMoneyTests {
    @Test("parses decimal dollar strings exactly")
    func parses() throws {
        #expect(try Money(parsing: "12.50").nanos == 12_500_000_000)
        #expect(try Money(parsing: "0.000015").nanos == 15_000)
        #expect(try Money(parsing: "3").nanos == 3_000_000_000)
        #expect(try Money(parsing: ".5").nanos == 500_000_000)
        #expect(try Money(parsing: "-1.25").nanos == -1_250_000_000)
        #expect(try Money(parsing: "0.000000001").nanos == 1)
        #expect(try Money(parsing: "0.0000000010").nanos == 1)  // extra digits that are zeros are fine
        #expect(try Money(parsing: "9223372036.854775807") == .max)
    }

    @Test("rejects malformed, too precise and out-of-range text with a typed error")
    func rejects() {
        for text in ["", "-", ".", "1.2.3", "abc", "$5", "1e5", " 1", "1,000", "+1"] {
            #expect(throws: MoneyError.invalid(text)) { try Money(parsing: text) }
        }
        #expect(throws: MoneyError.tooPrecise("0.0000000001")) { try Money(parsing: "0.0000000001") }
        #expect(throws: MoneyError.overflow) { try Money(parsing: "9223372036.854775808") }
        #expect(throws: MoneyError.overflow) { try Money(parsing: "99999999999999999999") }
    }

    @Test("formats with two to nine fraction digits and round-trips")
    func formats() throws {
        #expect(Money(nanos: 12_500_000_000).description == "12.50")
        #expect(Money(nanos: 15_000).description == "0.000015")
        #expect(Money(nanos: -3_000_000_000).description == "-3.00")
        #expect(Money(nanos: 1).description == "0.000000001")
        #expect(Money.zero.description == "0.00")
        for nanos: Int64 in [0, 1, -1, 999_999_999, 1_000_000_001, .max, .min + 1, 123_456_789_012] {
            #expect(try Money(parsing: Money(nanos: nanos).description).nanos == nanos)
        }
    }

    @Test("arithmetic throws on overflow; saturating variants clamp")
    func overflow() throws {
        let one = Money(nanos: 1)
        #expect(throws: MoneyError.overflow) { try Money.max.adding(one) }
        #expect(throws: MoneyError.overflow) { try Money(nanos: .min).subtracting(one) }
        #expect(throws: MoneyError.overflow) { try Money.max.multiplied(by: 2) }
        #expect(throws: MoneyError.overflow) { try Money(dollars: 10_000_000_000) }
        #expect(Money.max.saturatingAdding(one) == .max)
        #expect(Money(nanos: .min).saturatingSubtracting(one) == Money(nanos: .min))
        #expect(try Money(parsing: "1.10").adding(Money(parsing: "2.20")) == Money(parsing: "3.30"))
        #expect(try Money(dollars: 2).subtracting(Money(parsing: "0.5")).description == "1.50")
        #expect(try Money(parsing: "0.25").multiplied(by: 4) == Money(dollars: 1))
    }

    @Test("per-million-token prices multiply exactly and round up to the nano-dollar")
    func tokens() throws {
        let fifteen = try Money(parsing: "15")
        #expect(try Money.forTokens(1_000_000, perMillion: fifteen) == Money(dollars: 15))
        #expect(try Money.forTokens(1, perMillion: fifteen) == Money(parsing: "0.000015"))
        // 1 token at $0.0001/M is 0.1 nano-dollar: billed as 1, never 0.
        #expect(try Money.forTokens(1, perMillion: Money(parsing: "0.0001")).nanos == 1)
        // 3 tokens at $0.0005/M = 1.5 nanos -> 2.
        #expect(try Money.forTokens(3, perMillion: Money(parsing: "0.0005")).nanos == 2)
        #expect(try Money.forTokens(0, perMillion: fifteen) == .zero)
        #expect(throws: MoneyError.negative) { try Money.forTokens(-1, perMillion: fifteen) }
        #expect(throws: MoneyError.overflow) { try Money.forTokens(Int.max, perMillion: fifteen) }
    }

    @Test("codes as an exact decimal string")
    func codable() throws {
        let data = try JSONEncoder().encode([try Money(parsing: "0.000015")])
        #expect(String(decoding: data, as: UTF8.self) == #"["0.000015"]"#)
        #expect(try JSONDecoder().decode([Money].self, from: Data(#"["12.5"]"#.utf8)) == [try Money(parsing: "12.50")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data(#"["1.5e3"]"#.utf8)) }
    }
}
