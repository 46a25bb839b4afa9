/// Strings a kind of document is expected to hold — a protocol's keys and its common values. The parser hands out
/// these instead of building a new `String` for each occurrence (checking and copying its bytes), which is most of
/// what parsing a message's ~40 short keys costs. Only a string without escapes is looked up, by its bytes: an
/// open-addressing table of 256 slots keyed by length, first and last byte, then the bytes compared.
///
/// `@unchecked Sendable`: the pointers are written once, in `init`, and only read afterwards; a table is meant to be
/// a `static let` and is never freed.
public final class JSONStringTable: @unchecked Sendable {
    private let strings: [String]
    /// Every string's UTF-8 bytes, one after the other.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Per string: where its bytes start in `bytes`, and how many there are.
    private let spans: UnsafeMutableBufferPointer<(start: Int, count: Int)>
    /// 256 slots, each the index of a string in `strings`, or -1.
    private let slots: UnsafeMutableBufferPointer<Int>
    private let longest: Int

    /// A table of `strings` (duplicates and the empty string are ignored; at most 128 strings).
    public init(_ strings: some Sequence<String>) {
        var unique: [String] = []
        for string in strings where !string.isEmpty && !unique.contains(where: { $0.utf8.elementsEqual(string.utf8) }) {
            unique.append(string)
        }
        precondition(unique.count <= 128, "a JSONStringTable holds at most 128 strings")
        self.strings = unique
        bytes = .allocate(capacity: max(1, unique.reduce(0) { $0 + $1.utf8.count }))
        spans = .allocate(capacity: max(1, unique.count))
        slots = .allocate(capacity: 256)
        slots.initialize(repeating: -1)
        longest = unique.map(\.utf8.count).max() ?? 0
        var start = 0
        for (index, string) in unique.enumerated() {
            let utf8 = Array(string.utf8)
            for (offset, byte) in utf8.enumerated() { bytes[start + offset] = byte }
            spans[index] = (start, utf8.count)
            var slot = Self.slot(count: utf8.count, first: utf8[0], last: utf8[utf8.count - 1])
            while slots[slot] >= 0 { slot = (slot + 1) & 255 }
            slots[slot] = index
            start += utf8.count
        }
    }

    private static func slot(count: Int, first: UInt8, last: UInt8) -> Int {
        (count &* 37 &+ Int(first) &* 7 &+ Int(last)) & 255
    }

    /// The table's string with these UTF-8 bytes, or `nil`.
    package func string(for text: UnsafeBufferPointer<UInt8>) -> String? {
        let count = text.count
        guard count > 0, count <= longest else { return nil }
        var slot = Self.slot(count: count, first: text[0], last: text[count - 1])
        while true {
            let index = slots[slot]
            guard index >= 0 else { return nil }
            let span = spans[index]
            if span.count == count, Words.equal(UnsafeBufferPointer(start: bytes.baseAddress! + span.start, count: count), text) {
                return strings[index]
            }
            slot = (slot + 1) & 255
        }
    }
}
