import Logging

/// The log handler of one task's logger: the process's handler, plus the task's `task.id`, `task.name` and
/// `queue`, which become metadata only when a line is written.
///
/// Setting the three on the process's handler (`handler.metadata.merge`) cost every task a dictionary and, with
/// swift-log's `StreamLogHandler`, a re-rendering of all its metadata as text — even when the level drops every
/// line the task logs. Here they are three strings; a line that is written gets them as explicit metadata,
/// which both handlers render exactly as handler metadata (merged, sorted by key).
struct TaskLogHandler: LogHandler {
    /// The process's handler.
    private var base: any LogHandler
    /// The task's fields, until metadata is set that replaces or removes one of them (then they live in `extra`).
    private var task: (id: String, name: String, queue: String)?
    /// Metadata set on this logger after it was made (`task.expires`, a handler's own keys).
    private var extra: Logger.Metadata = [:]

    private static let taskKeys: Set<String> = ["task.id", "task.name", "queue"]

    /// The handler of a task's logger: `base` with the task's id, name and queue.
    init(base: any LogHandler, taskID: String, name: String, queue: String) {
        self.base = base
        self.task = (taskID, name, queue)
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    /// All of it: the process's metadata, the task's and what was set since. Setting it replaces all three.
    var metadata: Logger.Metadata {
        get { base.metadata.merging(ownMetadata) { $1 } }
        set {
            base.metadata = [:]
            task = nil
            extra = newValue
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { extra[key] ?? taskValue(key) ?? base[metadataKey: key] }
        set {
            if Self.taskKeys.contains(key) { materializeTask() }
            extra[key] = newValue
        }
    }

    func log(event: LogEvent) {
        var event = event
        let own = ownMetadata
        event.metadata = event.metadata.map { own.merging($0) { $1 } } ?? own
        base.log(event: event)
    }

    /// The task's fields and `extra`, as metadata.
    private var ownMetadata: Logger.Metadata {
        guard let task else { return extra }
        var metadata = extra
        metadata.reserveCapacity(extra.count + 3)
        if metadata["task.id"] == nil { metadata["task.id"] = .string(task.id) }
        if metadata["task.name"] == nil { metadata["task.name"] = .string(task.name) }
        if metadata["queue"] == nil { metadata["queue"] = .string(task.queue) }
        return metadata
    }

    private func taskValue(_ key: String) -> Logger.Metadata.Value? {
        guard let task else { return nil }
        switch key {
        case "task.id": return .string(task.id)
        case "task.name": return .string(task.name)
        case "queue": return .string(task.queue)
        default: return nil
        }
    }

    /// Moves the task's fields into `extra`, so one of them can be changed or removed.
    private mutating func materializeTask() {
        extra = ownMetadata
        task = nil
    }
}
