import Foundation

/// Reads schedule files (YAML; the format is described in `docs/scheduling.md`).
public enum ScheduleFile {
    /// The keys an entry may have.
    public static let entryKeys = [
        "name", "task", "cron", "every", "timezone", "args", "kwargs", "queue", "priority", "expires", "catch_up",
    ]
    /// The keys the file itself may have.
    public static let fileKeys = ["timezone", "entries"]

    /// Reads and validates the schedule file at `path`.
    /// - Throws: ``ScheduleFileError`` listing every problem with its line and column.
    public static func load(path: String, now: Date = Date()) throws(ScheduleFileError) -> Schedule {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedDescription
            throw ScheduleFileError(diagnostics: [
                ScheduleDiagnostic(path: path, line: nil, column: nil, message: "cannot read the schedule file: \(reason)")
            ])
        }
        return try parse(yaml: text, path: path, now: now)
    }

    /// Parses and validates schedule YAML; `path` is used in diagnostics only.
    /// - Parameter now: entries must run at least once after this instant (catches `0 0 30 2 *`).
    /// - Throws: ``ScheduleFileError`` listing every problem with its line and column.
    public static func parse(yaml: String, path: String, now: Date = Date()) throws(ScheduleFileError) -> Schedule {
        var parser = ScheduleFileParser(path: path, yaml: yaml, now: now)
        let schedule = parser.run()
        guard parser.diagnostics.isEmpty, let schedule else {
            throw ScheduleFileError(diagnostics: parser.diagnostics.sorted {
                ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0)
            })
        }
        return schedule
    }
}
