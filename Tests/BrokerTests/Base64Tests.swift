import Foundation
import Testing

@testable import Broker

/// The message body's base64 (`base64.b64encode` / `b64decode` on the Python side).
@Suite struct Base64Tests {
    func encode(_ bytes: [UInt8]) -> String { bytes.withUnsafeBufferPointer(Base64.encode) }

    /// Every padding case (length % 3 = 0, 1, 2) and every byte value, against Foundation's encoder.
    @Test func encodesLikeFoundationAndRoundTrips() throws {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length &* 101) }
            let text = encode(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            #expect(Base64.decode(text) == bytes)
        }
        let all = (0...255).map(UInt8.init)
        #expect(encode(all) == Data(all).base64EncodedString())
        #expect(Base64.decode(encode(all)) == all)
    }

    /// `base64.b64encode` output for a few inputs, padding included.
    @Test(arguments: [
        ("", ""), ("A", "QQ=="), ("AB", "QUI="), ("ABC", "QUJD"), ("ABCD", "QUJDRA=="),
        ("[[2, 3], {}, {}]", "W1syLCAzXSwge30sIHt9XQ=="),
    ])
    func pythonOutput(plain: String, encoded: String) throws {
        #expect(encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func encodeWritesExactlyItsLength() {
        var output = Array("x........y".utf8)
        let input: [UInt8] = [0xFB, 0xFF, 0xFE, 0x00]
        #expect(Base64.encodedLength(input.count) == 8)
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { Base64.encode(input, into: $0.baseAddress! + 1) }
        }
        #expect(String(decoding: output, as: UTF8.self) == "x+//+AA==y")
    }

    /// Unused low bits of the last character may be set, as Python and Foundation accept.
    @Test func nonCanonicalLastCharacter() {
        #expect(Base64.decode("/w==") == [0xFF])
        #expect(Base64.decode("/x==") == [0xFF])
        #expect(Base64.decode("/x8=") == [0xFF, 0x1F])
        #expect(Base64.decode("/x9=") == [0xFF, 0x1F])
    }

    /// Anything but padded standard base64 is refused. The last four are strings Foundation's decoder
    /// accepts by accident (misplaced or excess `=`); no encoder writes them.
    @Test(arguments: [
        "W1s", "QQ=", "QQ", "QUJDRA", "not base64!!", "W1syLCAzXSwge30s=x", "W1sy\n", " W1sy", "W1s y", "W1-_",
        "\u{e9}AAA", "Q===", "=QQQ", "QQ==QQ==", "AA==AA==",
        "AB=C", "====", "W1s==", "AAAA====",
    ])
    func invalidInput(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
