import Testing

@testable import Broker

/// `argsrepr` / `kwargsrepr` text: Python's `repr()` of the arguments.
@Suite struct PythonReprTests {
    @Test(arguments: [
        ("plain", "'plain'"), ("it's", #""it's""#), (#"say "hi""#, #"'say "hi"'"#),
        (#"both ' and ""#, #"'both \' and "'"#), (#"a\b"#, #"'a\\b'"#),
        ("line\nbreak\ttab\rcr", #"'line\nbreak\ttab\rcr'"#), ("", "''"),
        ("é and 😀", "'é and 😀'"), ("\u{0}\u{7F}", "'\u{0}\u{7F}'"),
        (#"a "quoted" ASCII string longer than a word, with \ and it's"#,
         #"'a "quoted" ASCII string longer than a word, with \\ and it\'s'"#),
        (#"non-ASCII "é" with \ and it's"#, #"'non-ASCII "é" with \\ and it\'s'"#),
    ])
    func strings(text: String, repr: String) {
        #expect(PythonRepr.repr(.string(text)) == repr)
    }

    /// Escapes apply to whole characters: CR LF is one character, and so is a quote or backslash with a
    /// combining mark; none of them is escaped (nor counted as a quote when choosing the quotes).
    @Test(arguments: [
        ("crlf\r\nend", "'crlf\r\nend'"), ("\r\r\n\n", "'\\r\r\n\\n'"), ("q'\u{301}x", "'q'\u{301}x'"),
        ("q\"\u{301}'", "\"q\"\u{301}'\""), ("b\\\u{301}", "'b\\\u{301}'"), ("n\n\u{301}", "'n\\n\u{301}'"),
        ("é\r\n", "'é\r\n'"),
    ])
    func characterBoundaries(text: String, repr: String) {
        #expect(PythonRepr.repr(.string(text)) == repr)
    }

    @Test func values() {
        let value: JSONValue = [
            nil, true, false, 0, -5, 2.5, 1e16, .double(.nan), .double(.infinity), .double(-.infinity), -0.0,
            ["a": [1, ["b": nil]], "it's": "x"], [], [:],
        ]
        #expect(
            PythonRepr.repr(value)
                == #"[None, True, False, 0, -5, 2.5, 1e+16, nan, inf, -inf, -0.0, {'a': [1, {'b': None}], "it's": 'x'}, [], {}]"#
        )
        #expect(PythonRepr.args([1, "two", nil, 2.5]) == "[1, 'two', None, 2.5]")
        #expect(PythonRepr.kwargs(["full": true, "note": "é"]) == "{'full': True, 'note': 'é'}")
    }
}
