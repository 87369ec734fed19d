import AAMCore
import Foundation
import Testing

/// SplitMix64, local so the fuzz sequence never changes under us.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("JSONObjectScanner fuzzing")
struct JSONScannerFuzzTests {
    static let seedDocument = utf8(
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"h\u00e9llo \"w\" 😀\n"}],"stream":true,"max_tokens":-1.5e+3,"n":0,"x":null,"o":{"a":[[],{}]}}"#
    )

    /// Bytes a mutation picks from: structural characters, digits, escapes and UTF-8 edge bytes.
    static let interesting: [UInt8] = Array(#"{}[]":,\/-+.eE0123456789tfnu "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let byte = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = byte
            case 1: bytes.insert(byte, at: Int.random(in: 0...bytes.count, using: &rng))
            case 2 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            default:
                // Truncate, the most common real-world corruption.
                bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &rng))
            }
        }
        return bytes
    }

    @Test("the seed document is valid")
    func seedIsValid() throws {
        #expect(try JSONObjectScanner(Self.seedDocument).members.count == 7)
        #expect(foundationObject(Self.seedDocument) != nil)
    }

    @Test("random mutations never crash the scanner or the readers, and accepted documents are well-formed")
    func mutationsNeverCrash() {
        var rng = SplitMix64(state: 0xA11A_5EED)
        var accepted = 0
        var rejected = 0
        for _ in 0..<20_000 {
            let bytes = Self.mutate(Self.seedDocument, using: &rng)
            switch scan(bytes) {
            case .failure(let failure):
                rejected += 1
                #expect(failure.offset >= 0 && failure.offset <= bytes.count)
            case .success(let scanner):
                accepted += 1
                for member in scanner.members {
                    #expect(member.valueRange.lowerBound >= 0 && member.valueRange.upperBound <= bytes.count)
                    _ = scanner.string(member.key, in: bytes)
                    _ = scanner.integer(member.key, in: bytes)
                    _ = scanner.bool(member.key, in: bytes)
                    _ = scanner.rawValue(member.key, in: bytes)
                }
                // Whatever the scanner accepts, a full parser accepts too (the scanner is the
                // gate in front of vendors' parsers).
                #expect(foundationObject(bytes) != nil, "scanner accepted what Foundation rejects: \(bytes)")
                // Splicing into an accepted document keeps it valid.
                let spliced = JSONSplicer.splice(
                    bytes, scan: scanner, replacing: ["model": utf8(#""m""#)], removing: ["stream"])
                #expect((try? JSONObjectScanner(spliced)) != nil, "splice broke \(bytes)")
            }
        }
        #expect(accepted > 100 && rejected > 100, "the mutations exercise both outcomes")
    }

    @Test("random byte strings never crash the scanner")
    func randomBytes() {
        var rng = SplitMix64(state: 42)
        for _ in 0..<5_000 {
            var bytes: [UInt8] = [UInt8(ascii: "{")]
            for _ in 0..<Int.random(in: 0..<64, using: &rng) {
                bytes.append(Self.interesting.randomElement(using: &rng)!)
            }
            if case .success(let scanner) = scan(bytes) {
                #expect(foundationObject(bytes) != nil, "\(bytes)")
                for member in scanner.members { #expect(member.valueRange.upperBound <= bytes.count) }
            }
        }
    }
}
