#if canImport(Glibc)
import Glibc
#endif

/// Random (version 4) UUIDs in Celery's lowercase text form, for task ids and delivery tags.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every UUID (three system
/// calls and a path lookup); a message needs two, which made id generation a visible part of a bulk
/// enqueue. This draws the 16 bytes from the system generator (`getrandom`) and formats them directly.
enum RandomID {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new random UUID such as `1d2a4b9e-7c1f-4e0a-9b3d-5f6e7a8b9c0d`.
    static func uuidString() -> String {
        var (high, low) = randomBits()
        high = (high & ~0xF000) | 0x4000  // version 4 (bits 12-15 of the third group)
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
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
