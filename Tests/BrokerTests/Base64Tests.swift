import Foundation
import Testing

@testable import Broker

/// The message body's base64 (`base64.b64encode` / `b64decode` on the Python side).
@Suite struct Base64Tests {
    /// Every padding case (length % 3 = 0, 1, 2) and every byte value, against Foundation's encoder.
    @Test func encodesLikeFoundationAndRoundTrips() throws {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length &* 101) }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            #expect(Base64.decode(text) == bytes)
        }
        let all = (0...255).map(UInt8.init)
        #expect(Base64.encode(all) == Data(all).base64EncodedString())
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    /// `base64.b64encode` output for a few inputs, padding included.
    @Test(arguments: [
        ("", ""), ("A", "QQ=="), ("AB", "QUI="), ("ABC", "QUJD"), ("ABCD", "QUJDRA=="),
        ("[[2, 3], {}, {}]", "W1syLCAzXSwge30sIHt9XQ=="),
    ])
    func pythonOutput(plain: String, encoded: String) throws {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func encodeAppendsToWhatIsThere() {
        var output = Array("x".utf8)
        Base64.encode([0xFB, 0xFF, 0xFE, 0x00], into: &output)
        #expect(String(decoding: output, as: UTF8.self) == "x+//+AA==")
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
