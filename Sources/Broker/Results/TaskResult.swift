#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A task's state as Celery names it.
public struct TaskState: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// No result is stored (unknown, queued, or expired from the backend).
    public static let pending = TaskState(rawValue: "PENDING")
    public static let started = TaskState(rawValue: "STARTED")
    public static let retry = TaskState(rawValue: "RETRY")
    public static let failure = TaskState(rawValue: "FAILURE")
    public static let success = TaskState(rawValue: "SUCCESS")
    public static let revoked = TaskState(rawValue: "REVOKED")

    /// Whether the task will not change state any more (SUCCESS, FAILURE, REVOKED).
    public var isReady: Bool { self == .success || self == .failure || self == .revoked }

    public var description: String { rawValue }
}

/// An exception as Celery serialises it in FAILURE, RETRY and REVOKED documents.
public struct RemoteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The exception class name, e.g. `ValueError`.
    public var type: String
    /// The exception's `args` (usually one message string).
    public var arguments: [JSONValue]
    /// The Python module that defines the type, e.g. `builtins`, `celery.exceptions`.
    public var module: String

    public init(type: String, message: String, module: String = "builtins") {
        self.init(type: type, arguments: [.string(message)], module: module)
    }

    public init(type: String, arguments: [JSONValue], module: String) {
        self.type = type
        self.arguments = arguments
        self.module = module
    }

    /// The first argument as text, which is the message for most exceptions.
    public var message: String {
        guard let first = arguments.first else { return "" }
        return first.stringValue ?? first.serialized
    }

    /// Python's `repr(exc)`, e.g. `ValueError('boom')`.
    public var description: String {
        "\(type)(\(arguments.map(PythonRepr.repr).joined(separator: ", ")))"
    }

    /// The `{"exc_type", "exc_message", "exc_module"}` object.
    public var json: JSONValue {
        ["exc_type": .string(type), "exc_message": .array(arguments), "exc_module": .string(module)]
    }

    /// Reads an `{"exc_type", "exc_message", "exc_module"}` object.
    public init?(json: JSONValue) {
        guard let type = json["exc_type"]?.stringValue else { return nil }
        self.type = type
        switch json["exc_message"] {
        case .array(let arguments)?: self.arguments = arguments
        case let other?: self.arguments = other.isNull ? [] : [other]
        case nil: self.arguments = []
        }
        self.module = json["exc_module"]?.stringValue ?? "builtins"
    }
}

/// A result document in Celery's Redis backend (`celery-task-meta-<id>`, wire spec §6.3–6.4).
public struct TaskResult: Sendable, Hashable {
    public var taskID: String
    public var state: TaskState
    /// The `result` field: the return value for SUCCESS, the exception object for FAILURE/RETRY/REVOKED,
    /// `{"pid", "hostname"}` for STARTED.
    public var result: JSONValue
    public var traceback: String?
    /// `children`: `[[child_id, parent], null]` tuples, or `null`.
    public var children: JSONValue
    public var dateDone: Date?
    public var groupID: String?
    public var parentID: String?
    /// The `result_extended` fields (`name`, `args`, `kwargs`, `worker`, `retries`, `queue`), in order, when present.
    public var extended: JSONObject

    public init(
        taskID: String, state: TaskState, result: JSONValue = .null, traceback: String? = nil,
        children: JSONValue = [], dateDone: Date? = nil, groupID: String? = nil, parentID: String? = nil,
        extended: JSONObject = [:]
    ) {
        self.taskID = taskID
        self.state = state
        self.result = result
        self.traceback = traceback
        self.children = children
        self.dateDone = dateDone
        self.groupID = groupID
        self.parentID = parentID
        self.extended = extended
    }

    /// The PENDING result that stands for "no key".
    public static func pending(_ taskID: String) -> TaskResult {
        TaskResult(taskID: taskID, state: .pending, children: .null)
    }

    /// The exception of a FAILURE, RETRY or REVOKED result.
    public var error: RemoteError? {
        state == .success || state == .started ? nil : RemoteError(json: result)
    }

    /// The document in Celery's key order: status, result, traceback, children, date_done,
    /// group_id, parent_id, extended fields, task_id.
    public var document: JSONObject {
        var object: JSONObject = [
            "status": .string(state.rawValue),
            "result": result,
            "traceback": traceback.map(JSONValue.string) ?? .null,
            "children": children,
            "date_done": dateDone.map { .string(CeleryTime.format($0)) } ?? .null,
        ]
        if let groupID { object["group_id"] = .string(groupID) }
        if let parentID { object["parent_id"] = .string(parentID) }
        for member in extended { object[member.key] = member.value }
        object["task_id"] = .string(taskID)
        return object
    }

    /// The document's bytes, as stored and published: ``document`` serialised. Without extended fields (the usual
    /// result, written once per task) its members are written straight into the text, in the same order.
    public func encoded() -> String {
        guard extended.isEmpty else { return JSONValue.object(document).serialized }
        var text = TextBuffer(capacity: 192)
        text.append(#"{"status": "#)
        text.writeJSON(state.rawValue)
        text.append(#", "result": "#)
        text.writeJSON(result)
        text.append(#", "traceback": "#)
        if let traceback { text.writeJSON(traceback) } else { text.append("null") }
        text.append(#", "children": "#)
        text.writeJSON(children)
        text.append(#", "date_done": "#)
        if let dateDone { text.writeJSON(CeleryTime.format(dateDone)) } else { text.append("null") }
        if let groupID {
            text.append(#", "group_id": "#)
            text.writeJSON(groupID)
        }
        if let parentID {
            text.append(#", "parent_id": "#)
            text.writeJSON(parentID)
        }
        text.append(#", "task_id": "#)
        text.writeJSON(taskID)
        text.append("}")
        return text.text
    }

    private static let knownKeys: Set<String> = [
        "status", "result", "traceback", "children", "date_done", "group_id", "parent_id", "task_id",
    ]

    /// Reads a stored document.
    /// - Throws: ``ResultDecodingError`` when the bytes are not a Celery result document.
    public static func decode(_ raw: String, taskID: String) throws -> TaskResult {
        let value: JSONValue
        do {
            value = try JSONValue.parse(raw)
        } catch {
            throw ResultDecodingError(taskID: taskID, reason: "\(error)")
        }
        guard case .object(let object) = value, let status = object["status"]?.stringValue else {
            throw ResultDecodingError(taskID: taskID, reason: "no \"status\" field")
        }
        var extended = JSONObject()
        for member in object where !knownKeys.contains(member.key) { extended[member.key] = member.value }
        return TaskResult(
            taskID: object["task_id"]?.stringValue ?? taskID,
            state: TaskState(rawValue: status),
            result: object["result"] ?? .null,
            traceback: object["traceback"]?.stringValue,
            children: object["children"] ?? .null,
            dateDone: object["date_done"]?.stringValue.flatMap(CeleryTime.parse),
            groupID: object["group_id"]?.stringValue,
            parentID: object["parent_id"]?.stringValue,
            extended: extended
        )
    }
}

/// A stored result that is not a Celery result document.
public struct ResultDecodingError: Error, Sendable, CustomStringConvertible {
    public var taskID: String
    public var reason: String
    public var description: String { "result of task \(taskID) is unreadable: \(reason)" }
}
