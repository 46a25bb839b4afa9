/// A schedule file that cannot be used; lists every problem found, not only the first.
public struct ScheduleFileError: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var diagnostics: [ScheduleDiagnostic]

    /// An error listing `diagnostics`.
    public init(diagnostics: [ScheduleDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One line per problem, then a summary line.
    public var description: String {
        let path = diagnostics.first?.path ?? "schedule"
        let count = diagnostics.count
        return (diagnostics.map(\.description)
            + ["\(path): \(count) error\(count == 1 ? "" : "s"); fix \(count == 1 ? "it" : "them") and run "
                + "`celerity schedule check \(path)` again"]).joined(separator: "\n")
    }
}
