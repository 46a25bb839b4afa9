#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A task call to be made later, as Celery's canvas embeds it in messages (`add.s(1, 2)`):
/// the unit of chains, groups and chords.
public struct Signature: Sendable, Hashable {
    public var task: String
    public var args: [JSONValue]
    public var kwargs: JSONObject
    /// Queue, priority, explicit task id, time limits…
    public var options: TaskOptions
    /// When `true` the parent's result is not prepended to `args` (Celery's `.si()`).
    public var immutable: Bool
    /// Options this type does not model, kept from a decoded signature (e.g. `link`, `reply_to`).
    public var extraOptions: JSONObject

    public init(
        _ task: String, args: [JSONValue] = [], kwargs: JSONObject = [:], options: TaskOptions = TaskOptions(),
        immutable: Bool = false
    ) {
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self.options = options
        self.immutable = immutable
        self.extraOptions = [:]
    }

    /// The signature's task id, assigned now if it has none.
    public mutating func freeze() -> String {
        if let id = options.taskID { return id }
        let id = RandomID.uuidString()
        options.taskID = id
        return id
    }

    /// The JSON object Celery embeds: `{"task", "args", "kwargs", "options", "subtask_type", "immutable"}`.
    public var json: JSONValue {
        var opts = extraOptions
        if let id = options.taskID { opts["task_id"] = .string(id) }
        if opts["reply_to"] == nil { opts["reply_to"] = .string(TaskMessage.clientReplyTo) }
        if options.queue != "celery" { opts["queue"] = .string(options.queue) }
        if options.priority != 0 { opts["priority"] = .int(options.priority) }
        if let group = options.group { opts["group_id"] = .string(group) }
        if let index = options.groupIndex { opts["group_index"] = .int(index) }
        return [
            "task": .string(task), "args": .array(args), "kwargs": .object(kwargs), "options": .object(opts),
            "subtask_type": nil, "immutable": .bool(immutable),
        ]
    }

    /// Reads a signature as Celery embeds it; `nil` for something that is not a plain task signature.
    public init?(json: JSONValue) {
        guard let task = json["task"]?.stringValue else { return nil }
        self.task = task
        self.args = json["args"]?.arrayValue ?? []
        self.kwargs = json["kwargs"]?.objectValue ?? [:]
        self.immutable = json["immutable"]?.boolValue ?? false
        var options = TaskOptions()
        var extra = json["options"]?.objectValue ?? [:]
        if let id = extra["task_id"]?.stringValue { options.taskID = id }
        if let queue = extra["queue"]?.stringValue ?? extra["routing_key"]?.stringValue { options.queue = queue }
        if let priority = extra["priority"]?.intValue { options.priority = priority }
        if let group = extra["group_id"]?.stringValue { options.group = group }
        if let index = extra["group_index"]?.intValue { options.groupIndex = index }
        for key in ["task_id", "queue", "routing_key", "priority", "group_id", "group_index"] { extra[key] = nil }
        self.options = options
        self.extraOptions = extra
    }

    /// The message that runs this signature, with `parentResult` prepended to the arguments unless immutable.
    public func message(
        parentResult: JSONValue? = nil, parentID: String? = nil, rootID: String? = nil, embed: JSONObject = TaskMessage.emptyEmbed
    ) -> TaskMessage {
        var options = self.options
        options.parentID = parentID
        options.rootID = rootID
        var embed = embed
        if case .array(let links)? = extraOptions["link"], embed["callbacks"]?.isNull ?? true { embed["callbacks"] = .array(links) }
        if case .object? = extraOptions["link"], embed["callbacks"]?.isNull ?? true { embed["callbacks"] = [extraOptions["link"]!] }
        if case .array(let links)? = extraOptions["link_error"], embed["errbacks"]?.isNull ?? true { embed["errbacks"] = .array(links) }
        if case .object? = extraOptions["link_error"], embed["errbacks"]?.isNull ?? true { embed["errbacks"] = [extraOptions["link_error"]!] }
        if let chord = extraOptions["chord"], embed["chord"]?.isNull ?? true { embed["chord"] = chord }
        let arguments = immutable || parentResult == nil ? args : [parentResult!] + args
        return TaskMessage.make(task: task, args: arguments, kwargs: kwargs, options: options, embed: embed)
    }
}

/// The ids of a sent group (or chord header).
public struct GroupHandle: Sendable, Hashable {
    public var groupID: String
    /// Member task ids, in group order.
    public var taskIDs: [String]

    public init(groupID: String, taskIDs: [String]) {
        self.groupID = groupID
        self.taskIDs = taskIDs
    }
}

/// The ids of a sent chord.
public struct ChordHandle: Sendable, Hashable {
    public var groupID: String
    public var headerIDs: [String]
    /// The body's task id: its result is the chord's result.
    public var bodyID: String

    public init(groupID: String, headerIDs: [String], bodyID: String) {
        self.groupID = groupID
        self.headerIDs = headerIDs
        self.bodyID = bodyID
    }
}

/// The keys of Celery's Redis chord join (wire spec §8), `celery-taskset-meta-<group id>` + `.j .t .s .d .c`.
public enum ChordKeys {
    public static func base(_ groupID: String) -> String { "celery-taskset-meta-" + groupID }
    public static func join(_ groupID: String) -> String { base(groupID) + ".j" }
    public static func total(_ groupID: String) -> String { base(groupID) + ".t" }
    public static func size(_ groupID: String) -> String { base(groupID) + ".s" }
    public static func dedup(_ groupID: String) -> String { base(groupID) + ".d" }
    public static func claim(_ groupID: String) -> String { base(groupID) + ".c" }
}

/// The messages of Celery's canvas primitives, for the client and for tasks that send tasks.
public enum Workflow {
    /// The messages of a group (or chord header): each member carries the group id and its index, and
    /// the given ids; `parentID`/`rootID` place the group in a workflow (a member is its own root when `nil`).
    public static func group(
        _ signatures: [Signature], groupID: String, parentID: String? = nil, rootID: String? = nil,
        embed: JSONObject = TaskMessage.emptyEmbed
    ) -> (messages: [TaskMessage], taskIDs: [String]) {
        var messages: [TaskMessage] = []
        var ids: [String] = []
        for (index, signature) in signatures.enumerated() {
            var member = signature
            member.options.group = groupID
            member.options.groupIndex = index
            let id = member.freeze()
            ids.append(id)
            messages.append(member.message(parentID: parentID, rootID: rootID ?? id, embed: embed))
        }
        return (messages, ids)
    }

    /// The header messages of a chord (each embedding the body) and the Redis commands that must run before
    /// they are sent: Celery 5.7's client does `DEL .c`, then `SET .s <size> EX 86400`.
    public static func chord(
        _ header: [Signature], body: Signature, groupID: String, parentID: String? = nil, rootID: String? = nil
    ) -> (preparation: [[String]], messages: [TaskMessage], handle: ChordHandle) {
        var body = body
        let bodyID = body.freeze()
        body.options.group = groupID
        var embed = TaskMessage.emptyEmbed
        embed["chord"] = body.json
        let (messages, ids) = group(header, groupID: groupID, parentID: parentID, rootID: rootID, embed: embed)
        let preparation = [
            ["DEL", ChordKeys.claim(groupID)],
            ["SET", ChordKeys.size(groupID), String(header.count), "EX", "86400"],
        ]
        return (preparation, messages, ChordHandle(groupID: groupID, headerIDs: ids, bodyID: bodyID))
    }
}

extension CelerityClient {
    /// Sends a chain: each task gets the previous one's result prepended to its arguments
    /// (`a | b | c` in Celery). Returns the task ids in order; the last one's result is the chain's.
    public func chain(_ signatures: [Signature]) async throws -> [String] {
        guard !signatures.isEmpty else { return [] }
        var frozen = signatures
        let ids = frozen.indices.map { frozen[$0].freeze() }
        var embed = TaskMessage.emptyEmbed
        // Celery stores the rest of the chain reversed: the next task is the last element.
        if frozen.count > 1 { embed["chain"] = .array(frozen.dropFirst().reversed().map(\.json)) }
        try await send(frozen[0].message(rootID: ids[0], embed: embed))
        return ids
    }

    /// Sends a group: the tasks run in parallel; each member carries the group id and its index.
    public func group(_ signatures: [Signature]) async throws -> GroupHandle {
        let groupID = RandomID.uuidString()
        let (messages, ids) = Workflow.group(signatures, groupID: groupID)
        try await send(batch: messages)
        return GroupHandle(groupID: groupID, taskIDs: ids)
    }

    /// Sends a chord: the header tasks run in parallel and, when all have finished, the body runs with
    /// the list of their results (in header order) as its first argument. Uses Celery's Redis chord
    /// join, so Python and Celerity workers can run either part.
    public func chord(_ header: [Signature], body: Signature) async throws -> ChordHandle {
        let (preparation, messages, handle) = Workflow.chord(header, body: body, groupID: RandomID.uuidString())
        try await redis.pipeline(preparation)
        try await send(batch: messages)
        return handle
    }
}
