#if canImport(Glibc)
import Glibc
#endif

/// UUIDs in Celery's lowercase text form: random ones (version 4) for task ids, delivery tags and every other
/// id Celerity makes, and derived ones (version 8) for ids that must come out the same when a step is repeated.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every UUID (three system
/// calls and a path lookup); a message needs two, which made id generation a visible part of a bulk
/// enqueue. This draws the 16 bytes from the system generator (`getrandom`) and formats them directly.
public enum RandomID {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new random UUID such as `1d2a4b9e-7c1f-4e0a-9b3d-5f6e7a8b9c0d`.
    public static func uuidString() -> String {
        let (high, low) = randomBits()
        return format(high: high, low: low, version: 0x4000)
    }

    /// The UUID derived from `parts` (joined with a separator): the same parts give the same id, different
    /// parts different ids (FNV-1a over 128 bits; a collision among a workflow's ids is as unlikely as
    /// between random ones). Version 8, "custom", so it never collides with a random id.
    /// Used for the ids of a task's children: `derived(from: [parentID, "step", "0", "child", "3"])`.
    public static func derived(from parts: [String]) -> String {
        var hash: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B
        for (index, part) in parts.enumerated() {
            if index > 0 { hash = (hash ^ 0x1F) &* prime }  // unit separator: ["ab", "c"] ≠ ["a", "bc"]
            for byte in part.utf8 { hash = (hash ^ UInt128(byte)) &* prime }
        }
        return format(high: UInt64(truncatingIfNeeded: hash >> 64), low: UInt64(truncatingIfNeeded: hash), version: 0x8000)
    }

    private static func format(high: UInt64, low: UInt64, version: UInt64) -> String {
        let high = (high & ~0xF000) | version  // bits 12-15 of the third group
        let low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ value: UInt64, _ nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = hex[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            put(high >> 32, 8)
            dash()
            put(high >> 16, 4)
            dash()
            put(high, 4)
            dash()
            put(low >> 48, 4)
            dash()
            put(low, 12)
            return index
        }
    }

    /// 128 random bits in one system call on Linux (`getentropy`, which is `getrandom`);
    /// `SystemRandomNumberGenerator` makes one per 64 bits, and those calls were most of the time spent
    /// building a message.
    private static func randomBits() -> (UInt64, UInt64) {
        #if canImport(Glibc)
        var bits: (UInt64, UInt64) = (0, 0)
        if withUnsafeMutableBytes(of: &bits, { getentropy($0.baseAddress, $0.count) }) == 0 { return bits }
        #endif
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }
}
