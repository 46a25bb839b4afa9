extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line breaks and the other Unicode
    /// `White_Space` characters), as Python's `str.strip()` and Foundation's `.whitespacesAndNewlines` trim.
    package func trimmingWhitespace() -> String {
        let scalars = Substring(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(Substring(scalars[first...last]))
    }
}
