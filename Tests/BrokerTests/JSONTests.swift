import Foundation
import Testing

@testable import Broker

/// The JSON layer that makes byte-exact Celery output possible (wire spec §3.4): a strict parser, and a writer
/// that produces what Python's `json.dumps` produces (the expected strings below were made with CPython 3.11).
@Suite struct JSONTests {
    // MARK: - Parser

    @Test func escapes() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(try JSONValue.parse(#""\u0041\u00e9\u20AC\u0000""#) == "Aé€\u{0}")
    }

    @Test func surrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONValue.parse(#""a\uD834\uDD1Eb""#) == "a𝄞b")
        // A lone surrogate cannot be a Swift string: it becomes U+FFFD, and what follows is kept.
        #expect(try JSONValue.parse(#""\ud83dx""#) == "\u{FFFD}x")
        #expect(try JSONValue.parse(#""\ud83d\u0041""#) == "\u{FFFD}A")
        #expect(try JSONValue.parse(#""\ude00""#) == "\u{FFFD}")
    }

    @Test func rawUTF8IsRead() throws {
        #expect(try JSONValue.parse(#"["é", "日本", "😀"]"#) == ["é", "日本", "😀"])
    }

    @Test func integersAndFloatsStayApart() throws {
        #expect(try JSONValue.parse("1") == .int(1))
        #expect(try JSONValue.parse("-3") == .int(-3))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("1.0") == .double(1.0))
        #expect(try JSONValue.parse("1e3") == .double(1000))
        #expect(try JSONValue.parse("1E-2") == .double(0.01))
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(Int.min))
        // Beyond 64 bits Python keeps an int; here it becomes the nearest double.
        #expect(try JSONValue.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONValue.parse("[1, 1.0]").serialized == "[1, 1.0]")
    }

    /// Python's json reads and writes NaN and ±Infinity.
    @Test func pythonNonFiniteNumbers() throws {
        let value = try JSONValue.parse("[NaN, Infinity, -Infinity, 2e400]")
        #expect(value.serialized == "[NaN, Infinity, -Infinity, Infinity]")
    }

    @Test func nestingAndOrder() throws {
        let raw = #"{"z": {"y": [1, [2, [3, {"x": null}]]], "a": {}}, "b": [], "a": [true, false]}"#
        let value = try JSONValue.parse(raw)
        #expect(value.objectValue?.keys == ["z", "b", "a"])
        #expect(value["z"]?["y"]?.arrayValue?[1].arrayValue?[1].arrayValue?[1]["x"] == .null)
        #expect(value.serialized == raw)

        let deep = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONValue.parse(deep).serialized == deep)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError(reason: "nesting deeper than 512 levels", offset: 512)) {
            try JSONValue.parse(tooDeep)
        }
    }

    /// Python keeps the first position and the last value of a repeated key.
    @Test func duplicateKeys() throws {
        let value = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(value.serialized == #"{"a": 3, "b": 2}"#)
    }

    @Test func whitespaceAroundTheDocument() throws {
        #expect(try JSONValue.parse(" \t\r\n{ \"a\" :\n[ 1 , 2 ] } \n") == ["a": [1, 2]])
    }

    @Test(arguments: [
        ("[1] x", 4, "unexpected text after the JSON value"),
        ("{} {}", 3, "unexpected text after the JSON value"),
        ("", 0, "unexpected end of input"),
        ("[1, 2", 5, "unexpected end of input"),
        ("[1,]", 3, "unexpected character \"]\""),
        (#"{"a": 1,}"#, 8, "expected a string key"),
        (#"{"a" 1}"#, 5, "expected \":\""),
        (#"{1: 2}"#, 1, "expected a string key"),
        (#""abc"#, 4, "unterminated string"),
        (#""a\qb""#, 4, "invalid escape \\q"),
        (#""\u12G4""#, 5, "invalid \\u escape"),
        ("\"a\nb\"", 2, "control character in string"),
        ("tru", 0, "unexpected end of input"),
        ("nul!", 0, "invalid literal"),
        ("-", 1, "expected a digit"),
        ("1.", 2, "expected a digit after \".\""),
        ("1e+", 3, "expected a digit in the exponent"),
        ("'a'", 0, "unexpected character \"'\""),
    ])
    func errorsNameTheDefectAndOffset(raw: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(reason: reason, offset: offset)) { try JSONValue.parse(raw) }
    }

    /// A number never starts with a redundant zero; Python stops after the `0` and reports what follows.
    @Test(arguments: [
        ("01", 1, "unexpected text after the JSON value"), ("-01", 2, "unexpected text after the JSON value"),
        ("00", 1, "unexpected text after the JSON value"), ("[01]", 2, "expected \",\" or \"]\""),
        ("[0, 01]", 5, "expected \",\" or \"]\""), (#"{"a": 007}"#, 7, "expected \",\" or \"}\""),
    ])
    func leadingZerosAreRejected(raw: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(reason: reason, offset: offset)) { try JSONValue.parse(raw) }
    }

    @Test func zeroItselfIsFine() throws {
        #expect(try JSONValue.parse("[0, -0, 0.5, 0e1, -0.0]") == [0, 0, 0.5, 0.0, -0.0])
    }

    @Test func errorDescription() {
        let error = JSONParseError(reason: "unexpected text after the JSON value", offset: 4)
        #expect(error.description == "invalid JSON at byte 4: unexpected text after the JSON value")
    }

    @Test func bytesAndStringsParseAlike() throws {
        let raw = #"{"k": ["é", 1.5]}"#
        #expect(try JSONValue.parse(bytes: Array(raw.utf8)) == (try JSONValue.parse(raw)))
        #expect(try JSONValue.parse(bytes: Data(raw.utf8)) == (try JSONValue.parse(raw)))
        // A collection without contiguous storage, and a substring's bytes.
        #expect(try JSONValue.parse(bytes: raw.utf8.lazy.map { $0 }) == (try JSONValue.parse(raw)))
        #expect(try JSONValue.parse(bytes: "[\(raw)]".utf8.dropFirst().dropLast()) == (try JSONValue.parse(raw)))
        #expect(throws: JSONParseError(reason: "unexpected end of input", offset: 3)) {
            try JSONValue.parse(bytes: "[1,".utf8.lazy.map { $0 })
        }
    }

    // MARK: - Writer (Python's json.dumps)

    @Test func separatorsAreCommaSpaceAndColonSpace() {
        let value: JSONValue = ["a": [1, ["b": nil]], "c": true, "d": [:], "e": []]
        #expect(value.serialized == #"{"a": [1, {"b": null}], "c": true, "d": {}, "e": []}"#)
    }

    /// `json.dumps("é€😀\x00\x01\x1f\x7f\"\\/\b\f\n\r\t")`.
    @Test func stringsAreEnsureASCII() {
        let value = JSONValue.string("é€😀\u{0}\u{1}\u{1F}\u{7F}\"\\/\u{08}\u{0C}\n\r\t")
        #expect(value.serialized == #""\u00e9\u20ac\ud83d\ude00\u0000\u0001\u001f\u007f\"\\/\b\f\n\r\t""#)
        #expect(JSONValue.string("plain ascii ~").serialized == #""plain ascii ~""#)
        #expect(JSONValue.object(["é": 1]).serialized == #"{"\u00e9": 1}"#)
    }

    /// `repr(float)` for each value, as `json.dumps` writes it.
    @Test(arguments: [
        (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (123.456, "123.456"), (1e-05, "1e-05"),
        (1.5e-07, "1.5e-07"), (Double.leastNonzeroMagnitude, "5e-324"), (-0.0, "-0.0"), (1e22, "1e+22"), (2.5, "2.5"),
        (100.0, "100.0"),
        (1.0 / 3.0, "0.3333333333333333"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.0001, "0.0001"),
        (12345678901234567890.0, "1.2345678901234567e+19"),
    ])
    func floatsAreWrittenLikePythonRepr(value: Double, text: String) throws {
        #expect(JSONValue.double(value).serialized == text)
        #expect(try JSONValue.parse(text) == .double(value))
    }

    @Test func integersAreWrittenPlain() {
        #expect(JSONValue.int(Int.min).serialized == "-9223372036854775808")
        #expect(JSONValue.array([0, -1, 42]).serialized == "[0, -1, 42]")
        #expect(JSONValue.int(Int.max).serialized == "9223372036854775807")
        #expect(JSONValue.array([9, 10, 99, 100, -9, -10, 1_000_000]).serialized == "[9, 10, 99, 100, -9, -10, 1000000]")
    }

    /// Output far beyond the writer's first buffer.
    @Test func largeDocuments() throws {
        let numbers = (0..<20_000).map { $0 * 7919 - 50_000_000 }
        let long = String(repeating: "abcdefghé", count: 5_000)
        let value = JSONValue.array([.array(numbers.map(JSONValue.int)), .string(long)])
        let expected = "[[" + numbers.map(String.init).joined(separator: ", ") + "], \""
            + String(repeating: "abcdefgh\\u00e9", count: 5_000) + "\"]"
        #expect(value.serialized == expected)
        #expect(try JSONValue.parse(expected) == value)
    }

    /// Strings that need an escape somewhere: ASCII-only ones, ones mixing plain text and escapes, empty ones.
    @Test func escapesAmidPlainText() {
        #expect(JSONValue.string("").serialized == #""""#)
        #expect(JSONValue.string(#"say "hi""#).serialized == #""say \"hi\"""#)
        #expect(JSONValue.string("a\\b\nc").serialized == #""a\\b\nc""#)
        #expect(JSONValue.string("naïve café ok").serialized == #""na\u00efve caf\u00e9 ok""#)
        #expect(JSONValue.string("a long plain ASCII string well over the small-string size").serialized
            == #""a long plain ASCII string well over the small-string size""#)
        #expect(JSONValue.object(["k\"ey": "v\u{1}", "日本": ["😀": []]]).serialized
            == #"{"k\"ey": "v\u0001", "\u65e5\u672c": {"\ud83d\ude00": []}}"#)
    }

    /// Plain text is scanned eight bytes at a time: whatever the length and wherever the character that needs
    /// an escape, the writer escapes it and the parser reads it back; a raw control character is refused.
    @Test func escapesAtEveryPositionOfEveryLength() throws {
        func reference(_ text: String) -> String {
            let escaped = text.utf16.map { unit -> String in
                switch unit {
                case 0x22: return "\\\""
                case 0x5C: return "\\\\"
                case 0x0A: return "\\n"
                case 0x20..<0x7F: return String(UnicodeScalar(UInt8(unit)))
                default: return "\\u" + String(repeating: "0", count: 4 - String(unit, radix: 16).count) + String(unit, radix: 16)
                }
            }
            return "\"" + escaped.joined() + "\""
        }
        for length in 1...20 {
            for position in 0..<length {
                for special in ["\"", "\\", "\n", "\u{7F}", "\u{1F}", "é", "😀"] {
                    var characters = Array(repeating: "a", count: length)
                    characters[position] = special
                    let text = characters.joined()
                    let serialized = JSONValue.string(text).serialized
                    #expect(serialized == reference(text))
                    #expect(try JSONValue.parse(serialized) == .string(text))
                    if special.unicodeScalars.first!.value >= 0x7F {  // raw DEL and non-ASCII are read as they are
                        #expect(try JSONValue.parse("\"\(text)\"") == .string(text))
                    }
                }
                var raw = Array(repeating: UInt8(ascii: "a"), count: length)
                raw[position] = 0x01
                #expect(throws: JSONParseError(reason: "control character in string", offset: 1 + position)) {
                    try JSONValue.parse(bytes: [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
                }
                raw[position] = UInt8(ascii: "\"")
                #expect(throws: JSONParseError(reason: "unexpected text after the JSON value", offset: 2 + position)) {
                    try JSONValue.parse(bytes: [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
                }
            }
        }
    }

    /// Parse → serialize of nested documents gives the same bytes back.
    @Test func nestedDocumentsRoundTrip() throws {
        let raw =
            #"{"a": [1, -2, 3.5, "x", null, true, false, {"b": {"c": [[], {}, [{}]]}}], "d\u00e9": "\u20ac\n", "e": -9223372036854775808}"#
        #expect(try JSONValue.parse(raw).serialized == raw)
    }

    // MARK: - JSONObject

    @Test func objectKeepsInsertionOrder() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 4  // replaced in place
        #expect(object.keys == ["b", "a", "c"] && object["b"] == 4)
        object["a"] = nil  // removed
        #expect(object.keys == ["b", "c"] && object.count == 2 && !object.isEmpty)
        #expect(
            JSONObject([("x", 1), ("y", 2), ("x", 3)]).members == [
                .init(key: "x", value: 3), .init(key: "y", value: 2),
            ])
    }

    /// Many keys of many lengths (lengths 64 apart included), some repeated: first position, last value.
    @Test func duplicateKeysAmongManyKeys() throws {
        let keys = (0..<150).map { String(repeating: "k", count: $0 % 70) + String($0 % 7) }
        var expected: [(String, Int)] = []
        for (value, key) in keys.enumerated() {
            if let index = expected.firstIndex(where: { $0.0 == key }) {
                expected[index].1 = value
            } else {
                expected.append((key, value))
            }
        }
        #expect(expected.count < keys.count)
        let object = JSONObject(keys.enumerated().map { ($0.element, .int($0.offset)) })
        #expect(object.keys == expected.map(\.0) && object.members.map(\.value) == expected.map { .int($0.1) })
        let raw = "{" + keys.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ") + "}"
        #expect(try JSONValue.parse(raw) == .object(object))
    }

    /// Keys of equal length, keys that are prefixes of others, non-ASCII keys: each is found as itself.
    @Test func lookupsCompareWholeKeys() {
        var object: JSONObject = ["ab": 1, "ba": 2, "a": 3, "abc": 4, "é": 5, "e": 6]
        #expect(object["ab"] == 1 && object["ba"] == 2 && object["a"] == 3 && object["abc"] == 4)
        #expect(object["é"] == 5 && object["e"] == 6 && object["b"] == nil && object["abcd"] == nil)
        object["ba"] = 7
        #expect(object.keys == ["ab", "ba", "a", "abc", "é", "e"] && object["ba"] == 7)
    }

    /// Keys are told apart by code points as in Python, which keeps `"é"` and `"e\u0301"` as two keys
    /// (Swift's `==` calls them equal).
    @Test func canonicallyEquivalentKeysStayApart() throws {
        let raw = #"{"\u00e9": 1, "e\u0301": 2, "\u212a": 3, "K": 4}"#
        let value = try JSONValue.parse(raw)
        #expect(value.objectValue?.count == 4 && value["e\u{301}"] == 2 && value["K"] == 4)
        #expect(value.serialized == raw)
    }

    @Test func accessors() {
        let value: JSONValue = ["s": "t", "i": 3, "d": 2.0, "f": 2.5, "b": true, "n": nil, "a": [1], "o": ["k": "v"]]
        #expect(value["s"]?.stringValue == "t" && value["i"]?.stringValue == nil)
        #expect(value["i"]?.intValue == 3 && value["d"]?.intValue == 2 && value["f"]?.intValue == nil)
        #expect(value["i"]?.doubleValue == 3.0 && value["f"]?.doubleValue == 2.5)
        #expect(value["b"]?.boolValue == true && value["n"]?.isNull == true && value["missing"] == nil)
        #expect(value["a"]?.arrayValue == [1] && value["o"]?["k"] == "v")
        #expect(JSONValue.array([1])["k"] == nil)
    }

    // MARK: - kombu type markers

    @Test(arguments: [
        (#"{"__type__": "date", "__value__": "2026-01-02"}"#, CeleryTypedValue.date("2026-01-02")),
        (#"{"__type__": "time", "__value__": "03:04:05.000006"}"#, .time("03:04:05.000006")),
        (#"{"__type__": "decimal", "__value__": "1.10"}"#, .decimal("1.10")),
        (
            #"{"__type__": "uuid", "__value__": {"hex": "4df4cc23a0fc492e851430f0a18ea17e"}}"#,
            .uuid("4df4cc23a0fc492e851430f0a18ea17e")
        ),
        (#"{"__type__": "bytes", "__value__": "caf\u00e9"}"#, .bytes("café")),
        (#"{"__type__": "base64", "__value__": "/w=="}"#, .base64("/w==")),
    ])
    func typeMarkersDecodeAndPassThrough(raw: String, typed: CeleryTypedValue) throws {
        let value = try JSONValue.parse(raw)
        #expect(value.celeryTypedValue == typed)
        #expect(value.serialized == raw)
    }

    @Test func datetimeMarker() throws {
        let raw = #"{"__type__": "datetime", "__value__": "2026-01-02T03:04:05.123456+01:00"}"#
        let value = try JSONValue.parse(raw)
        guard case .datetime(let date)? = value.celeryTypedValue else {
            Issue.record("not read as a datetime")
            return
        }
        #expect(CeleryTime.format(date) == "2026-01-02T02:04:05.123456+00:00")
        #expect(value.serialized == raw)
    }

    @Test(arguments: [
        #"{"__type__": "frozenset", "__value__": [1]}"#,  // unknown type: left alone
        #"{"__type__": "date", "__value__": "2026-01-02", "extra": 1}"#,  // not exactly the two keys
        #"{"__value__": "2026-01-02", "__type__": 5}"#,
        #"{"__type__": "datetime", "__value__": "not a date"}"#,
        #"{"__type__": "date"}"#,
        #"["__type__", "date"]"#,
    ])
    func notAMarker(raw: String) throws {
        let value = try JSONValue.parse(raw)
        #expect(value.celeryTypedValue == nil)
        #expect(value.serialized == raw)
    }

    /// A result whose value Python tagged keeps its tag through decode → encode.
    @Test func markersInsideAResultPassThrough() throws {
        let raw =
            #"{"status": "SUCCESS", "result": {"at": {"__type__": "datetime", "__value__": "2026-01-02T03:04:05+00:00"}, "amount": {"__type__": "decimal", "__value__": "9.99"}}, "traceback": null, "children": [], "date_done": "2026-11-22T19:58:54.369222+00:00", "task_id": "t"}"#
        let result = try TaskResult.decode(raw, taskID: "t")
        #expect(result.result["amount"]?.celeryTypedValue == .decimal("9.99"))
        #expect(result.encoded() == raw)
    }

    // MARK: - Codable bridge

    struct Invoice: Codable, Equatable {
        var id: Int
        var issued: Date
        var lines: [String]
    }

    @Test func codableBridgeReadsMarkerAndISODates() throws {
        let marker = try JSONValue.parse(
            #"{"id": 7, "issued": {"__type__": "datetime", "__value__": "2026-01-02T03:04:05+00:00"}, "lines": ["a"]}"#)
        let plain = try JSONValue.parse(#"{"id": 7, "issued": "2026-01-02T03:04:05Z", "lines": ["a"]}"#)
        let expected = Invoice(id: 7, issued: Date(timeIntervalSince1970: 1_767_323_045), lines: ["a"])
        #expect(try marker.decode(Invoice.self) == expected)
        #expect(try plain.decode(Invoice.self) == expected)
        #expect(try JSONValue(encoding: expected).decode(Invoice.self) == expected)
    }
}
