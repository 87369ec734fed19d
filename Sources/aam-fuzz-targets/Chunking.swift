/// Deterministic ways to cut an input into chunks, so a streaming parser can be checked for
/// giving the same result however the network splits its bytes.
enum Chunking {
    /// SplitMix64, seeded from the input: the same input always gets the same cuts (a
    /// reproducer replays exactly), different inputs get different ones.
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// FNV-1a over the bytes.
    static func seed(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// The cuttings every streaming target checks: whole, one byte at a time, and pseudo-random
    /// chunk sizes of 1...16 bytes.
    static func cuttings(of bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
        var random: [ArraySlice<UInt8>] = []
        var generator = Generator(seed: seed(bytes))
        var start = 0
        while start < bytes.count {
            let size = Int(generator.next() % 16) + 1
            let end = min(bytes.count, start + size)
            random.append(bytes[start..<end])
            start = end
        }
        let single = bytes.indices.map { bytes[$0..<$0 + 1] }
        return [[bytes[...]], single, random]
    }
}
