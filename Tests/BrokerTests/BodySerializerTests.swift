import Foundation
import Testing

@testable import Broker

/// Bodies written by PyYAML's `safe_dump` and msgpack's `packb(use_bin_type=True)` (what kombu's `yaml` and
/// `msgpack` serializers send) decode to the same values `json.dumps` of the same Python data gives.
@Suite struct BodySerializerTests {
    /// One Python body, `[args, kwargs, embed]`, written by each serializer (generated with PyYAML 6 and msgpack 1.0).
    static let yamlBase64 = "LSAtIDEKICAtIGEgYgogIC0gMi41CiAgLSBudWxsCiAgLSB0cnVlCiAgLSAtIDEKICAgIC0gLSAyCiAgICAgIC0gW10KICAtIG46IHt9CiAgICB4OiAneTogeicKICAtIC03CiAgLSA0NjExNjg2MDE4NDI3Mzg3OTA0CiAgLSAnbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZwogICAgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nICcKICAtIGl0J3MKICAtICJ0YWJcdGhlcmUiCiAgLSAnJwogIC0gJzEyMycKICAtICd5ZXMnCiAgLSAiaFx4RTlsbG8gXHUyNzEzIFxVMDAwMUY2MDAiCiAgLSAxLjBlKzIwCiAgLSAtMC4wMDEKICAtICcgIGxlYWQnCiAgLSAndHJhaWwgICcKICAtICdhCgoKICAgIGIKCiAgICAnCiAgLSAnI3gnCiAgLSAnLSBkYXNoJwogIC0geHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eAogIC0gJ251bGwnCiAgLSAnficKICAtICcxLjUnCiAgLSAnb24nCi0gZGF0ZTogJzIwMjQtMDEtMDEnCiAgazogdgogICdsb25nIGtleSBsb25nIGtleSBsb25nIGtleSAnOiB2CiAgbXVsdGk6ICdsaW5lMQoKICAgIGxpbmUyJwogIG5lc3RlZDoKICAtIGE6IDEKICAgIGI6CiAgICAtIHRydWUKICAgIC0gZmFsc2UKICAtIFtdCiAgdzogIndvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmRcCiAgICBcIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmRcCiAgICBcIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCBcbm1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmVcCiAgICBcIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgIgotIGNhbGxiYWNrczogbnVsbAogIGNoYWluOiBudWxsCiAgY2hvcmQ6IG51bGwKICBlcnJiYWNrczogbnVsbAo="
    static let msgpackBase64 = "k9wAHAGjYSBiy0AEAAAAAAAAwMOSAZICkIKheKR5OiB6oW6A+c9AAAAAAAAAANmWbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgpGl0J3OodGFiCWhlcmWgozEyM6N5ZXOvaMOpbGxvIOKckyDwn5iAy0QVrx14tYxAy79QYk3S8an8piAgbGVhZKd0cmFpbCAgpWEKCmIKoiN4pi0gZGFzaNlkeHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eKRudWxsoX6jMS41om9uhqFroXalbXVsdGmrbGluZTEKbGluZTKmbmVzdGVkkoKhYQGhYpLDwpC7bG9uZyBrZXkgbG9uZyBrZXkgbG9uZyBrZXkgoXakZGF0ZaoyMDI0LTAxLTAxoXfaAS13b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIAptb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUgbW9yZSBtb3JlIG1vcmUghKljYWxsYmFja3PAqGVycmJhY2tzwKVjaGFpbsClY2hvcmTA"
    /// `json.dumps(body, sort_keys=True)`: PyYAML writes keys sorted.
    static let jsonSorted = "[[1, \"a b\", 2.5, null, true, [1, [2, []]], {\"n\": {}, \"x\": \"y: z\"}, -7, 4611686018427387904, \"long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long \", \"it's\", \"tab\\there\", \"\", \"123\", \"yes\", \"h\\u00e9llo \\u2713 \\ud83d\\ude00\", 1e+20, -0.001, \"  lead\", \"trail  \", \"a\\n\\nb\\n\", \"#x\", \"- dash\", \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"null\", \"~\", \"1.5\", \"on\"], {\"date\": \"2024-01-01\", \"k\": \"v\", \"long key long key long key \": \"v\", \"multi\": \"line1\\nline2\", \"nested\": [{\"a\": 1, \"b\": [true, false]}, []], \"w\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word \\nmore more more more more more more more more more more more more more more more more more more more \"}, {\"callbacks\": null, \"chain\": null, \"chord\": null, \"errbacks\": null}]"
    /// `json.dumps(body)`: msgpack keeps the dict order.
    static let json = "[[1, \"a b\", 2.5, null, true, [1, [2, []]], {\"x\": \"y: z\", \"n\": {}}, -7, 4611686018427387904, \"long long long long long long long long long long long long long long long long long long long long long long long long long long long long long long \", \"it's\", \"tab\\there\", \"\", \"123\", \"yes\", \"h\\u00e9llo \\u2713 \\ud83d\\ude00\", 1e+20, -0.001, \"  lead\", \"trail  \", \"a\\n\\nb\\n\", \"#x\", \"- dash\", \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"null\", \"~\", \"1.5\", \"on\"], {\"k\": \"v\", \"multi\": \"line1\\nline2\", \"nested\": [{\"a\": 1, \"b\": [true, false]}, []], \"long key long key long key \": \"v\", \"date\": \"2024-01-01\", \"w\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word \\nmore more more more more more more more more more more more more more more more more more more more \"}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]"

    static func bytes(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    @Test func yamlDecodesAsJSONWould() throws {
        #expect(try SafeYAML.decode(Self.bytes(Self.yamlBase64)) == JSONValue.parse(Self.jsonSorted))
    }

    @Test func msgpackDecodesAsJSONWould() throws {
        #expect(try MessagePack.decode(Self.bytes(Self.msgpackBase64)) == JSONValue.parse(Self.json))
    }

    /// A yaml or msgpack envelope becomes the same `TaskMessage` a JSON one does, and re-encodes as JSON.
    @Test(arguments: [("application/x-yaml", yamlBase64, jsonSorted), ("application/x-msgpack", msgpackBase64, json)])
    func envelopeDecodes(contentType: String, body: String, json: String) throws {
        let raw = MalformedMessageTests.envelope(
            body: body, contentType: contentType,
            properties: "\(MalformedMessageTests.tag), \(MalformedMessageTests.info), \"body_encoding\": \"base64\""
        )
        let message = try TaskMessage.decode(raw)
        guard case .array(let expected) = try JSONValue.parse(json) else { throw DecodeFailed() }
        #expect(message.args == expected[0].arrayValue && message.kwargs == expected[1].objectValue)
        #expect(message.embed == expected[2].objectValue && message.task == "compat.add")
        #expect(message.contentType == "application/json")
        let again = try TaskMessage.decode(message.encoded())
        #expect(again.args == message.args && again.kwargs == message.kwargs)
    }

    struct DecodeFailed: Error {}

    static func yamlError(_ text: String) -> BodyParseError? {
        do {
            _ = try SafeYAML.decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    static func msgpackError(_ bytes: [UInt8]) -> BodyParseError? {
        do {
            _ = try MessagePack.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// What `safe_dump` never writes, and broken text, is refused with a reason, never guessed at.
    @Test(arguments: [
        ("- !!python/tuple [1, 2]\n- {}\n- {}\n", "tag"),
        ("- *a\n", "names no anchor"),
        ("- - 'unclosed\n", "not closed"),
        ("- [1, 2]\n", "flow collection"),
        ("- .inf\n", "infinity"),
        ("- \"\\q\"\n", "unknown escape"),
        ("- a\n - b\n", "indented"),
        ("- a\nb\n", "after the document"),
        ("- \"\\xZZ\"\n", "non-hex"),
        ("? a\n: b\n", "complex key"),
    ])
    func badYAML(text: String, reasonPart: String) throws {
        let error = try #require(Self.yamlError(text))
        #expect(error.serializer == "yaml")
        #expect(error.description.contains(reasonPart), "\(error)")
    }

    /// PyYAML's wrapping of long scalars: a double-quoted one with `\` continuations and an escaped leading
    /// space, a plain one, a single-quoted one (output of `yaml.safe_dump` copied as it is).
    @Test func wrappedScalars() throws {
        let text = #"""
            - "\xE9  two  spaces    two  spaces    two  spaces    two  spaces    two  spaces \
              \   two  spaces    two  spaces    two  spaces  \ttab"
            - xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
              yyyyyyyyyy
            - 'a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a
              a a a a a a a a a a a a a a a a a a a a '

            """#
        let expected: JSONValue = [
            .string("é" + String(repeating: "  two  spaces  ", count: 8) + "\ttab"),
            .string(String(repeating: "x", count: 90) + " " + String(repeating: "y", count: 10)),
            .string(String(repeating: "a ", count: 60)),
        ]
        #expect(try SafeYAML.decode(Array(text.utf8)) == expected)
    }

    /// `safe_dump` anchors a list or dict that appears twice (also an indentless sequence under a key).
    @Test func anchorsAndAliases() throws {
        let text = "- - &id001\n    - 1\n    - a: b\n  - *id001\n  - &id002\n    k: *id001\n  - *id002\n- y: &id003\n  - 1\n  - 2\n  z: *id003\n- {}\n"
        let x: JSONValue = [1, ["a": "b"]]
        let d: JSONValue = ["k": x]
        #expect(try SafeYAML.decode(Array(text.utf8)) == [[x, x, d, d], ["y": [1, 2], "z": [1, 2]], [:]])
    }

    /// "Billion laughs": each level aliases the one before twice; the copies stop at 4× the body's size.
    @Test func aliasExpansionIsBounded() throws {
        var text = "- &a0 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        for level in 1...40 {
            text += "- &a\(level)\n  - *a\(level - 1)\n  - *a\(level - 1)\n"
        }
        #expect(try #require(Self.yamlError(text)).reason.contains("4 times"))
    }

    /// Found by FuzzSerializedBody: a lone carriage return inside a quoted scalar is a line break, folded to a space.
    @Test func loneCarriageReturnInAQuotedScalar() throws {
        #expect(try SafeYAML.decode(Array("- 'a\rb'\n- \"c\r\r d\"\n".utf8)) == ["a b", "c\nd"])
    }

    @Test func deepYAMLIsRefused() throws {
        let text = String(repeating: "- ", count: 2000) + "1\n"
        #expect(try #require(Self.yamlError(text)).reason.contains("nesting"))
    }

    /// Hostile msgpack: lengths past the end, huge counts, binary, extension types, trailing bytes, deep nesting.
    @Test(arguments: [
        ([0xDD, 0xFF, 0xFF, 0xFF, 0xFF], "runs past the end"),
        ([0xDF, 0x7F, 0xFF, 0xFF, 0xFF, 0x01], "runs past the end"),
        ([0xDB, 0xFF, 0xFF, 0xFF, 0xF0, 0x61], "runs past the end"),
        ([0xA5, 0x61, 0x62], "runs past the end"),
        ([0xD9, 0x03, 0x61, 0x62], "runs past the end"),  // found by FuzzSerializedBody: it trapped
        ([0xDA, 0x00, 0x03, 0x61, 0x62], "runs past the end"),
        ([0xCB, 0x40], "ends inside"),
        ([0xC4, 0x01, 0x00], "binary data"),
        ([0xD4, 0x01, 0x00], "extension type"),
        ([0xC1], "not a msgpack type"),
        ([0x91, 0x01, 0x02], "follow the value"),
        ([0x81, 0x01, 0x02], "key is not a string"),
        ([0xA2, 0xC3, 0x28], "not UTF-8"),
        ([0xCF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "larger than"),
        ([0xCB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0], "no JSON form"),
        ([0x90 + 0x0F], "runs past the end"),
    ] as [([UInt8], String)])
    func badMsgpack(bytes: [UInt8], reasonPart: String) throws {
        let error = try #require(Self.msgpackError(bytes))
        #expect(error.serializer == "msgpack")
        #expect(error.description.contains(reasonPart), "\(error)")
    }

    @Test func deepMsgpackIsRefused() throws {
        let bytes = [UInt8](repeating: 0x91, count: 100_000) + [0x01]
        #expect(try #require(Self.msgpackError(bytes)).reason.contains("nesting"))
    }

    /// A bad yaml or msgpack body is a `MalformedMessageError` (so the worker dead-letters it) naming the serializer.
    @Test func badBodyIsAMalformedMessage() throws {
        let raw = MalformedMessageTests.envelope(
            body: Data([0xDD, 0xFF, 0xFF, 0xFF, 0xFF]).base64EncodedString(), contentType: "application/x-msgpack",
            properties: "\(MalformedMessageTests.tag), \(MalformedMessageTests.info), \"body_encoding\": \"base64\""
        )
        let error = try MalformedMessageTests.error(decoding: raw)
        guard case .invalidBody(let bodyError) = error.defect else {
            Issue.record("expected invalidBody, got \(error.defect)")
            return
        }
        #expect(bodyError.serializer == "msgpack" && error.taskID == MalformedMessageTests.taskID)
        #expect(error.description.hasPrefix("body is not valid msgpack"))
    }
}
