import Synchronization

/// Request ids without a system call per id: a per-process random seed mixed with an atomic
/// counter through SplitMix64. Unique within the process, unpredictable enough for correlation
/// (they are not secrets), and cheap on the hot path.
public enum RequestIDGenerator {
    private static let seed: UInt64 = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var high = mix(seed &+ count)
        var low = mix(high ^ count)
        var bytes = [UInt8](repeating: 0, count: 24)
        bytes[0] = UInt8(ascii: "r"); bytes[1] = UInt8(ascii: "e"); bytes[2] = UInt8(ascii: "q"); bytes[3] = UInt8(ascii: "_")
        for index in 4..<24 {
            if index < 14 {
                bytes[index] = Identifiers.base62[Int(high % 62)]
                high /= 62
            } else {
                bytes[index] = Identifiers.base62[Int(low % 62)]
                low /= 62
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
