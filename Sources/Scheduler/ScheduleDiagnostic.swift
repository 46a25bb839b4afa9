/// One problem found in a schedule file, located as `path:line:column`.
public struct ScheduleDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The file, as given.
    public var path: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The 1-based column, when known.
    public var column: Int?
    /// What is wrong, e.g. `entry "pg-backup": cron minute field "61" is out of range 0-59`.
    public var message: String

    /// A problem at `path:line:column`.
    public init(path: String, line: Int?, column: Int?, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    /// `path:line:column: message`, the format compilers use, so editors can jump to it.
    public var description: String {
        var location = path
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}
