import Testing

@testable import Broker

/// Issue 23 part 6: decoding shares the wire's keys and common values (``JSONStringTable``) instead of building each
/// string again. A table changes what is allocated, never what is parsed.
@Suite struct JSONStringTableTests {
    static let table = JSONStringTable(["id", "task", "headers", "é", "utf-8", "i", "ab", "ba", "task"])

    /// Table strings, their prefixes and extensions, escaped spellings, non-ASCII and invalid bytes: the same values
    /// as without a table, duplicates resolved alike (first position, last value).
    @Test(arguments: [
        #"{"id": "task", "task": "id", "headers": {"i": "ab", "ba": ""}}"#,
        #"{"i": 1, "id": 2, "ida": 3, "d": 4, "tas": 5, "taskk": 6, "": 7}"#,
        #"{"id": 1, "i\u0064": 2, "\u0069d": 3}"#,
        #"{"\u00e9": 1, "é": 2, "e\u0301": 3}"#,
        #"["utf-8", "utf-", "utf-88", "UTF-8", "task", "headers\n"]"#,
        #"{"ab": 1, "ba": 2, "ab": 3, "aa": 4, "bb": 5}"#,
    ])
    func parsesAsWithoutATable(_ raw: String) throws {
        let plain = try JSONValue.parse(raw)
        #expect(try JSONValue.parse(raw, strings: Self.table) == plain)
        #expect(try JSONValue.parse(bytes: Array(raw.utf8), strings: Self.table) == plain)
        #expect(try JSONValue.parse(raw, strings: Self.table).serialized == plain.serialized)
    }

    @Test func invalidUTF8IsRepairedAsWithoutATable() throws {
        let raw: [UInt8] = Array(#"{"i"#.utf8) + [0xFF] + Array(#"": "t"#.utf8) + [0xC3] + Array(#"", "id": 1}"#.utf8)
        #expect(try JSONValue.parse(bytes: raw, strings: Self.table) == JSONValue.parse(bytes: raw))
    }

    /// The wire's table holds every key `TaskMessage.make` writes, so a message this library sends decodes through
    /// it, and decodes to what it encoded.
    @Test func aMessageDecodesToWhatWasEncoded() throws {
        let message = TaskMessage.make(task: "proj.add", args: [1, "é", ["k": nil]], kwargs: ["utf-8": "celery"])
        let decoded = try TaskMessage.decode(message.encoded())
        #expect(decoded.headers == message.headers && decoded.properties == message.properties)
        #expect(decoded.args == message.args && decoded.kwargs == message.kwargs && decoded.embed == message.embed)
        for key in message.headers.keys + message.properties.keys {
            var utf8 = Array(key.utf8)
            #expect(utf8.withUnsafeMutableBufferPointer { TaskMessage.wireStrings.string(for: UnsafeBufferPointer($0)) } == key)
        }
    }
}
