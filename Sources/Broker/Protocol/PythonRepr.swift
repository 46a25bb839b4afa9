/// Python `repr()` of JSON values, for Celery's display-only `argsrepr` / `kwargsrepr` headers
/// and for exception text shown by Python clients.
public enum PythonRepr {
    static func args(_ args: [JSONValue]) -> String {
        repr(.array(args))
    }

    static func kwargs(_ kwargs: JSONObject) -> String {
        repr(.object(kwargs))
    }

    public static func repr(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .double(let number): return number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : number.description
        case .string(let text): return string(text)
        case .array(let elements): return "[" + elements.map(repr).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.members.map { string($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// A Python string literal: single quotes unless the text holds a single quote and no double quote.
    static func string(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var output = String(quote)
        for character in text {
            switch character {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case quote: output += "\\\(quote)"
            default: output.append(character)
            }
        }
        output.append(quote)
        return output
    }
}
