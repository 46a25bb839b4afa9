/// A Slack message text whose interpolated values are escaped: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`,
/// so a value from outside (a batch id, a host, a queue name, an error) cannot page the channel (`<!channel>`),
/// mention someone or post a link. The literal parts, written in the code, are kept as they are (emoji, `*bold*`).
///
/// ```swift
/// slack.notify("Invoice batch \(batchID) failed")  // batchID "<!channel>" arrives as "&lt;!channel&gt;"
/// ```
public struct SlackText: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The text as Slack receives it (mrkdwn, escaped).
    public let mrkdwn: String

    /// A text made of `value` alone, escaped.
    public init(escaping value: String) { mrkdwn = Self.escape(value) }

    /// A text from a literal, kept as written.
    public init(stringLiteral value: String) { mrkdwn = value }

    /// A text from an interpolation: literal parts kept, interpolated values escaped.
    public init(stringInterpolation: StringInterpolation) { mrkdwn = stringInterpolation.text }

    /// The mrkdwn text.
    public var description: String { mrkdwn }

    /// `&`, `<` and `>` replaced by their entities (Slack's own escaping rule for message text).
    public static func escape(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Builds a ``SlackText``: literals as written, values escaped.
    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// Appends `value`'s description, escaped.
        public mutating func appendInterpolation(_ value: some Any) { text += SlackText.escape("\(value)") }

        /// Appends a text that is already escaped.
        public mutating func appendInterpolation(_ text: SlackText) { self.text += text.mrkdwn }
    }

    /// Two texts one after the other.
    public static func + (lhs: SlackText, rhs: SlackText) -> SlackText { SlackText(mrkdwn: lhs.mrkdwn + rhs.mrkdwn) }

    private init(mrkdwn: String) { self.mrkdwn = mrkdwn }
}
