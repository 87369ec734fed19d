/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), used to tell a whole spool frame from a torn or
/// corrupted one. Table-driven, one byte at a time: fast enough for evidence records (the fsync
/// dominates by orders of magnitude).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    /// Continues `crc` (the value returned by a previous call, or 0 to start) over `bytes`.
    public static func update<Bytes: Sequence<UInt8>>(_ crc: UInt32, _ bytes: Bytes) -> UInt32 {
        var value = ~crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes { value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8) }
        }
        return ~value
    }

    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 { update(0, bytes) }
}
