/// Reads the YAML a Celery client sends with `task_serializer='yaml'` (kombu's `yaml.safe_dump` of
/// `[args, kwargs, embed]`) into JSON values, by hand: block sequences and mappings (indentless sequences
/// under a key included), empty flow `[]`/`{}`, plain scalars resolved as PyYAML's safe loader does (null, bool,
/// int, float; anything else, timestamps included, stays a string), single- and double-quoted scalars with
/// their escapes and line folding, and anchors with their aliases (bounded in size). What `safe_dump` of JSON-like
/// data never writes (tags, `?` keys, block scalars, non-empty flow collections) is refused with a reason, never
/// guessed at.
enum SafeYAML {
    /// The deepest nesting accepted, as for JSON.
    static let maxDepth = 512

    /// The single document `bytes` holds.
    static func decode(_ bytes: [UInt8]) throws(BodyParseError) -> JSONValue {
        var reader = YAMLReader(bytes: bytes)
        reader.skipDocumentMarker("---")
        let value = try reader.node(parentIndent: -1, depth: 0)
        reader.skipBlankLines()
        reader.skipDocumentMarker("...")
        reader.skipBlankLines()
        guard reader.atEnd else { throw reader.failure("unexpected text after the document") }
        return value
    }
}

/// The cursor over a YAML document's bytes; see ``SafeYAML``.
struct YAMLReader {
    let bytes: [UInt8]
    var offset = 0
    /// Where the current line starts, for columns.
    var lineStart = 0
    /// The anchored nodes so far, with their size as JSON text.
    var anchors: [String: (value: JSONValue, size: Int)] = [:]
    /// The JSON size of every alias copy so far.
    var aliasBytes = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { offset >= bytes.count }
    var column: Int { offset - lineStart }

    func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    func failure(_ reason: String) -> BodyParseError {
        BodyParseError(serializer: "yaml", reason: reason, offset: offset)
    }

    /// Whether the byte `ahead` is a space, a line break or the end: what ends `-` and `:` indicators.
    func isBreakOrSpace(_ ahead: Int) -> Bool {
        guard let byte = peek(ahead) else { return true }
        return byte == 0x20 || byte == 0x0A || byte == 0x0D
    }

    mutating func skipSpaces() {
        while peek() == 0x20 { offset += 1 }
    }

    /// Skips to the first non-space byte of the next line that has one (or the end).
    mutating func skipBlankLines() {
        while true {
            skipSpaces()
            if peek() == 0x0D { offset += 1 }
            guard peek() == 0x0A else { return }
            offset += 1
            lineStart = offset
        }
    }

    mutating func skipDocumentMarker(_ marker: StaticString) {
        skipBlankLines()
        let text = marker.withUTF8Buffer { Array($0) }
        guard column == 0, bytes.count - offset >= 3, Array(bytes[offset..<offset + 3]) == text, isBreakOrSpace(3)
        else { return }
        offset += 3
    }

    // MARK: Nodes

    /// The node that starts at the next non-blank byte, whose block must be indented more than `parentIndent`.
    mutating func node(parentIndent: Int, depth: Int) throws(BodyParseError) -> JSONValue {
        guard depth < SafeYAML.maxDepth else { throw failure("nesting deeper than \(SafeYAML.maxDepth) levels") }
        skipBlankLines()
        guard let byte = peek(), column > parentIndent else { return .null }
        switch byte {
        case UInt8(ascii: "-") where isBreakOrSpace(1):
            return try sequence(indent: column, depth: depth)
        case UInt8(ascii: "&"):
            return try anchored(parentIndent: parentIndent, depth: depth)
        case UInt8(ascii: "*"):
            return try alias()
        case UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw failure("\"\(Character(Unicode.Scalar(byte)))\" (a tag, complex key or block scalar) is not supported")
        default:
            break
        }
        let start = (offset, lineStart)
        let indent = column
        _ = try scalar(parentIndent: parentIndent, isKey: true)
        let isKey = peek() == UInt8(ascii: ":") && isBreakOrSpace(1)
        (offset, lineStart) = start
        if isKey { return try mapping(indent: indent, depth: depth) }
        return try scalar(parentIndent: parentIndent, isKey: false)
    }

    /// `&name node`: the node, remembered for `*name` (`safe_dump` anchors a list or dict that appears twice).
    mutating func anchored(parentIndent: Int, depth: Int) throws(BodyParseError) -> JSONValue {
        offset += 1
        let name = anchorName()
        guard !name.isEmpty else { throw failure("an anchor has no name") }
        skipSpaces()
        let value: JSONValue
        if peek() == 0x0A || peek() == 0x0D || atEnd {
            skipBlankLines()
            // `key: &id` then PyYAML's indentless sequence at the key's own column.
            if !atEnd, column == parentIndent, peek() == UInt8(ascii: "-"), isBreakOrSpace(1) {
                value = try sequence(indent: column, depth: depth + 1)
            } else {
                value = try node(parentIndent: parentIndent, depth: depth + 1)
            }
        } else {
            value = try node(parentIndent: parentIndent, depth: depth + 1)
        }
        anchors[name] = (value, value.serialized.utf8.count)
        return value
    }

    /// `*name`: a copy of the anchored node. Copies may add at most 4 times the body's size (plus 64 KiB) in all,
    /// so a few bytes of nested aliases ("billion laughs") cannot grow into gigabytes of arguments.
    mutating func alias() throws(BodyParseError) -> JSONValue {
        let start = offset
        offset += 1
        let name = anchorName()
        guard let (value, size) = anchors[name] else {
            offset = start
            throw failure("alias *\(name) names no anchor before it")
        }
        aliasBytes += size
        guard aliasBytes <= bytes.count * 4 + 65_536 else {
            offset = start
            throw failure("aliases expand to more than 4 times the body's size")
        }
        return value
    }

    private mutating func anchorName() -> String {
        let start = offset
        while let byte = peek(), byte != 0x20, byte != 0x0A, byte != 0x0D, byte != UInt8(ascii: ","),
            byte != UInt8(ascii: "]"), byte != UInt8(ascii: "}")
        {
            offset += 1
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    mutating func sequence(indent: Int, depth: Int) throws(BodyParseError) -> JSONValue {
        var elements: [JSONValue] = []
        while true {
            offset += 1  // the "-"
            skipSpaces()
            if peek() == 0x0A || peek() == 0x0D || atEnd {
                elements.append(try node(parentIndent: indent, depth: depth + 1))
            } else {
                // A compact item ("- - 1", "- key: value"): its block is indented by its own column.
                elements.append(try node(parentIndent: column - 1, depth: depth + 1))
            }
            skipBlankLines()
            guard !atEnd, column == indent, peek() == UInt8(ascii: "-"), isBreakOrSpace(1) else { break }
        }
        // At the sequence's own column may follow the next key of the mapping holding an indentless sequence.
        guard atEnd || column <= indent else { throw failure("a sequence item is indented unevenly") }
        return .array(elements)
    }

    mutating func mapping(indent: Int, depth: Int) throws(BodyParseError) -> JSONValue {
        var members: [(String, JSONValue)] = []
        while true {
            let keyOffset = offset
            guard case .string(let key) = try scalar(parentIndent: indent, isKey: true) else {
                offset = keyOffset
                throw failure("a mapping key is not a string")
            }
            guard peek() == UInt8(ascii: ":"), isBreakOrSpace(1) else { throw failure("expected \": \" after a key") }
            offset += 1
            skipSpaces()
            let value: JSONValue
            if peek() == 0x0A || peek() == 0x0D || atEnd {
                skipBlankLines()
                if !atEnd, column == indent, peek() == UInt8(ascii: "-"), isBreakOrSpace(1) {
                    value = try sequence(indent: indent, depth: depth + 1)  // PyYAML's indentless sequence
                } else {
                    value = try node(parentIndent: indent, depth: depth + 1)
                }
            } else {
                value = try node(parentIndent: indent, depth: depth + 1)
            }
            members.append((key, value))
            skipBlankLines()
            guard !atEnd, column == indent else { break }
        }
        guard atEnd || column < indent else { throw failure("a mapping key is indented unevenly") }
        return .object(JSONObject(members))
    }
}
