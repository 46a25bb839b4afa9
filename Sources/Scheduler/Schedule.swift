import Foundation

/// A parsed, valid schedule file.
public struct Schedule: Sendable {
    /// The file the schedule was read from, as given.
    public var path: String
    /// The file's `timezone:`, or UTC.
    public var timeZone: TimeZone
    /// The entries, in file order; names are unique.
    public var entries: [ScheduleEntry]

    /// A schedule of `entries` (names must be unique), as if read from `path`.
    public init(path: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!, entries: [ScheduleEntry]) {
        self.path = path
        self.timeZone = timeZone
        self.entries = entries
    }

    /// The entry called `name`.
    public subscript(name: String) -> ScheduleEntry? { entries.first { $0.name == name } }
}
