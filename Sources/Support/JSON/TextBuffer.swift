/// UTF-8 text built in a growable buffer it owns, then made into one `String`: what the JSON writer
/// (`writeJSON`) and Python's `repr` (`writeRepr`) write into.
///
/// Writing a message envelope is ~100 small appends, and `String` or `Array` appends each cost a
/// uniqueness and capacity check; those checks dominated encoding.
package struct TextBuffer: ~Copyable {
    @usableFromInline var buffer: UnsafeMutableBufferPointer<UInt8>
    @usableFromInline var count = 0

    @inlinable
    package init(capacity: Int) {
        buffer = .allocate(capacity: max(capacity, 16))
    }

    deinit {
        buffer.deallocate()
    }

    /// The text written so far.
    @inlinable
    package var text: String { String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self) }

    /// Calls `body` with the bytes written so far.
    @inlinable
    package func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(rebasing: buffer[..<count]))
    }

    /// Appends `length` bytes that `fill` writes, all of them, from the pointer it is given.
    @inlinable
    package mutating func append(length: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        reserve(length)
        fill(buffer.baseAddress! + count)
        count += length
    }

    @inlinable
    package mutating func append(_ literal: StaticString) {
        append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inlinable
    package mutating func append(contentsOf string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    @inlinable
    package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (buffer.baseAddress! + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inlinable @inline(__always)
    package mutating func append(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    /// Appends `number` in decimal, without going through `String(number)`, after as many zeros as
    /// make it `width` characters long (a minus sign counts, and comes after the zeros).
    @inlinable
    package mutating func appendDecimal(_ number: Int, width: Int = 0) {
        var magnitude = number.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let length = number < 0 ? digits + 1 : digits
        if width > length { append(length: width - length) { $0.initialize(repeating: UInt8(ascii: "0"), count: width - length) } }
        if number < 0 { append(UInt8(ascii: "-")) }
        append(length: digits) { start in
            var position = digits
            repeat {
                position -= 1
                start[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
        }
    }

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > buffer.count { grow(extra) }
    }

    /// Doubles the buffer, or more if `extra` bytes need more.
    @usableFromInline @inline(never)
    mutating func grow(_ extra: Int) {
        let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(buffer.count * 2, count + extra))
        larger.baseAddress!.update(from: buffer.baseAddress!, count: count)
        buffer.deallocate()
        buffer = larger
    }
}
