#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Celery protocol v2 task message (wire spec §3): the envelope a client `LPUSH`es and a worker pops.
///
/// Headers and properties are kept as ordered JSON objects, so fields this type does not model
/// (stamps, future headers) survive a decode → encode round trip untouched; the typed accessors read
/// and write the fields Celerity uses.
public struct TaskMessage: Sendable, Hashable {
    /// Positional arguments.
    public var args: [JSONValue]
    /// Keyword arguments.
    public var kwargs: JSONObject
    /// The third body element: `callbacks`, `errbacks`, `chain`, `chord` (canvas).
    public var embed: JSONObject
    /// The protocol v2 headers, in wire order.
    public var headers: JSONObject
    /// The AMQP-style properties, in wire order.
    public var properties: JSONObject
    /// `content-type`: `application/json` (a yaml or msgpack message is decoded into JSON values and says so).
    public var contentType: String
    /// `content-encoding`.
    public var contentEncoding: String

    /// A message as decoded or built; see ``make(task:args:kwargs:options:now:)`` to build a new one.
    public init(
        args: [JSONValue], kwargs: JSONObject, embed: JSONObject, headers: JSONObject, properties: JSONObject,
        contentType: String = "application/json", contentEncoding: String = "utf-8"
    ) {
        self.args = args
        self.kwargs = kwargs
        self.embed = embed
        self.headers = headers
        self.properties = properties
        self.contentType = contentType
        self.contentEncoding = contentEncoding
    }
}

// MARK: - Typed accessors

extension TaskMessage {
    /// The registered task name (`headers.task`).
    public var task: String {
        get { headers["task"]?.stringValue ?? "" }
        set { headers["task"] = .string(newValue) }
    }

    /// The task id (`headers.id`); the result key is `celery-task-meta-<id>`.
    public var id: String {
        get { headers["id"]?.stringValue ?? "" }
        set { headers["id"] = .string(newValue) }
    }

    /// When the task may run (`headers.eta`), or `nil` to run at once.
    public var eta: Date? {
        get { headers["eta"]?.stringValue.flatMap(CeleryTime.parse) }
        set { headers["eta"] = newValue.map { .string(CeleryTime.format($0)) } ?? .null }
    }

    /// After when the task must not run (`headers.expires`).
    public var expires: Date? {
        get { headers["expires"]?.stringValue.flatMap(CeleryTime.parse) }
        set { headers["expires"] = newValue.map { .string(CeleryTime.format($0)) } ?? .null }
    }

    /// How many times the task was retried before this message (`headers.retries`).
    public var retries: Int {
        get { headers["retries"]?.intValue ?? 0 }
        set { headers["retries"] = .int(newValue) }
    }

    /// `headers.timelimit`, `[hard, soft]` in seconds; `nil` members mean "no limit".
    public var timeLimit: TimeLimit {
        get {
            let pair = headers["timelimit"]?.arrayValue ?? []
            // Checked: a value out of (0, 10⁷] s reads as "no limit" here; `decode` dead-letters such a message first.
            func limit(_ index: Int) -> Duration? {
                guard index < pair.count, let seconds = pair[index].doubleValue, seconds > 0 else { return nil }
                return Duration(checkedSeconds: seconds)
            }
            return TimeLimit(hard: limit(0), soft: limit(1))
        }
        set { headers["timelimit"] = .array([Self.secondsValue(newValue.hard), Self.secondsValue(newValue.soft)]) }
    }

    /// The first task of the workflow (`headers.root_id`).
    public var rootID: String? {
        get { headers["root_id"]?.stringValue }
        set { headers["root_id"] = newValue.map(JSONValue.string) ?? .null }
    }

    /// The task that sent this one (`headers.parent_id`).
    public var parentID: String? {
        get { headers["parent_id"]?.stringValue }
        set { headers["parent_id"] = newValue.map(JSONValue.string) ?? .null }
    }

    /// The group this task belongs to (`headers.group`).
    public var group: String? {
        get { headers["group"]?.stringValue }
        set { headers["group"] = newValue.map(JSONValue.string) ?? .null }
    }

    /// The position in its group (`headers.group_index`).
    public var groupIndex: Int? {
        get { headers["group_index"]?.intValue }
        set { headers["group_index"] = newValue.map(JSONValue.int) ?? .null }
    }

    /// Whether no result is stored (`headers.ignore_result`; `null` counts as false).
    public var ignoreResult: Bool {
        get { headers["ignore_result"]?.boolValue ?? false }
        set { headers["ignore_result"] = .bool(newValue) }
    }

    /// The unique tag of this delivery (`properties.delivery_tag`).
    public var deliveryTag: String {
        get { properties["delivery_tag"]?.stringValue ?? "" }
        set { properties["delivery_tag"] = .string(newValue) }
    }

    /// The Celery priority 0–9 (`properties.priority`), read as kombu reads it, with Python's `int()`:
    /// `5.7` is 5, `"7"` is 7, `true` is 1; anything `int()` refuses counts as 0.
    public var priority: Int {
        get {
            switch properties["priority"] {
            case .int(let value)?: return value
            case .double(let value)? where value.isFinite:
                return Int(exactly: value.rounded(.towardZero)) ?? (value > 0 ? .max : .min)
            case .bool(let flag)?: return flag ? 1 : 0
            case .string(let text)?:
                let digits = text.trimmingWhitespace()
                if let value = Int(digits) { return value }
                // More digits than an Int holds: Python's int() still reads them; only the sign matters here.
                let unsigned = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
                guard !unsigned.isEmpty, unsigned.allSatisfy({ $0.isASCII && $0.isNumber }) else { return 0 }
                return digits.hasPrefix("-") ? .min : .max
            default: return 0
            }
        }
        set { properties["priority"] = .int(newValue) }
    }

    /// The queue the message was routed to (`properties.delivery_info.routing_key`).
    public var queue: String {
        get { properties["delivery_info"]?["routing_key"]?.stringValue ?? "celery" }
        set {
            var info = properties["delivery_info"]?.objectValue ?? ["exchange": ""]
            info["routing_key"] = .string(newValue)
            properties["delivery_info"] = .object(info)
        }
    }

    /// The Redis list this message belongs on: its queue's bucket for its priority.
    public var listKey: String {
        PriorityBuckets.listKey(queue: queue, priority: priority)
    }

    private static func secondsValue(_ duration: Duration?) -> JSONValue {
        guard let duration else { return .null }
        let seconds = duration.seconds
        return seconds.rounded() == seconds && abs(seconds) < 9.0e15 ? .int(Int(seconds)) : .double(seconds)
    }
}

// MARK: - Building

extension TaskMessage {
    /// The `origin` stamp of this process, `gen<pid>@<hostname>` as Celery writes it.
    public static let origin = "gen\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)"

    /// An empty canvas: `{"callbacks": null, "errbacks": null, "chain": null, "chord": null}`.
    public static let emptyEmbed: JSONObject = ["callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil]

    /// Builds a new message with every header of wire spec §3.1 in Celery's order, a fresh
    /// `delivery_tag`, and `delivery_info` routed to the option's queue.
    public static func make(
        task: String, args: [JSONValue] = [], kwargs: JSONObject = [:], options: TaskOptions = TaskOptions(),
        embed: JSONObject = TaskMessage.emptyEmbed
    ) -> TaskMessage {
        let id = options.taskID ?? RandomID.uuidString()
        var headers: JSONObject = [
            "lang": "py",
            "task": .string(task),
            "id": .string(id),
            "shadow": nil,
            "eta": options.eta.map { .string(CeleryTime.format($0)) } ?? nil,
            "expires": options.expires.map { .string(CeleryTime.format($0)) } ?? nil,
            "group": options.group.map(JSONValue.string) ?? nil,
            "group_index": options.groupIndex.map(JSONValue.int) ?? nil,
            "retries": 0,
            "timelimit": [secondsValue(options.timeLimit.hard), secondsValue(options.timeLimit.soft)],
            "root_id": .string(options.rootID ?? id),
            "parent_id": options.parentID.map(JSONValue.string) ?? nil,
            "argsrepr": .string(truncatedRepr(PythonRepr.args(args))),
            "kwargsrepr": .string(truncatedRepr(PythonRepr.kwargs(kwargs))),
            "origin": .string(origin),
            "ignore_result": .bool(options.ignoreResult),
            "replaced_task_nesting": 0,
            "stamped_headers": nil,
            "stamps": [:],
        ]
        let properties: JSONObject = [
            "correlation_id": .string(id),
            "reply_to": .string(clientReplyTo),
            "delivery_mode": 2,
            "delivery_info": ["exchange": "", "routing_key": .string(options.queue)],
            "priority": .int(options.priority),
            "body_encoding": "base64",
            "delivery_tag": .string(RandomID.uuidString()),
        ]
        for member in options.extraHeaders.members where headers[member.key] == nil { headers[member.key] = member.value }
        return TaskMessage(args: args, kwargs: kwargs, embed: embed, headers: headers, properties: properties)
    }

    /// `argsrepr` / `kwargsrepr` cut to 1,024 characters, as Celery's `saferepr(…, maxlen=1024)` keeps them.
    package static func truncatedRepr(_ text: String) -> String {
        guard text.count > MessageLimits.maxReprCharacters else { return text }
        return String(text.prefix(MessageLimits.maxReprCharacters - 3)) + "..."
    }

    /// This process's `reply_to` (kombu's app `oid`); only the `rpc://` backend reads it.
    static let clientReplyTo = RandomID.uuidString()

    /// The body as kombu serialises it: `[args, kwargs, embed]`.
    public var bodyJSON: String {
        var text = TextBuffer(capacity: 128)
        writeBody(into: &text)
        return text.text
    }

    private func writeBody(into text: inout TextBuffer) {
        text.append("[")
        text.writeJSON(args)
        text.append(", ")
        text.writeJSON(kwargs)
        text.append(", ")
        text.writeJSON(embed)
        text.append("]")
    }

    /// The envelope's bytes as they go into Redis, keys in kombu's order, body base64-encoded.
    public func encoded() -> String {
        var properties = self.properties
        if properties["body_encoding"] == nil { properties["body_encoding"] = "base64" }
        var body = TextBuffer(capacity: 256)
        writeBody(into: &body)
        // The envelope object {"body", "content-encoding", "content-type", "headers", "properties"}, written
        // member by member so the body goes from JSON bytes to base64 bytes without a String in between.
        var envelope = TextBuffer(capacity: 1536)
        envelope.append(#"{"body": "#)
        if properties["body_encoding"]?.stringValue == "base64" {
            envelope.append("\"")
            body.withBytes { json in
                envelope.append(length: Base64.encodedLength(json.count)) { Base64.encode(json, into: $0) }
            }
            envelope.append("\"")
        } else {
            envelope.writeJSON(body.text)
        }
        envelope.append(#", "content-encoding": "#)
        envelope.writeJSON(contentEncoding)
        envelope.append(#", "content-type": "#)
        envelope.writeJSON(contentType)
        envelope.append(#", "headers": "#)
        envelope.writeJSON(headers)
        envelope.append(#", "properties": "#)
        envelope.writeJSON(properties)
        envelope.append("}")
        return envelope.text
    }
}

// MARK: - Decoding

extension TaskMessage {
    /// The keys of the envelope, its headers, properties and canvas, and their common values: decoding shares these
    /// strings instead of building each again (``JSONStringTable``).
    static let wireStrings = JSONStringTable([
        "body", "content-encoding", "content-type", "headers", "properties",
        "lang", "task", "id", "shadow", "eta", "expires", "group", "group_index", "retries", "timelimit", "root_id",
        "parent_id", "argsrepr", "kwargsrepr", "origin", "ignore_result", "replaced_task_nesting", "stamped_headers",
        "stamps", "correlation_id", "reply_to", "delivery_mode", "delivery_info", "exchange", "routing_key", "priority",
        "body_encoding", "delivery_tag", "callbacks", "errbacks", "chain", "chord",
        "utf-8", "application/json", "py", "base64", "celery", "()", "{}", "[]",
    ])

    /// Decodes an envelope popped from Redis and validates every field a worker acts on: the one place a
    /// message from outside is checked. A decoded message's ids, time limits, dates, retries and queue are in
    /// range (``MessageLimits``), so nothing downstream can trap on them or be steered by them.
    /// - Parameters:
    ///   - maxBytes: a larger envelope is refused before it is parsed.
    ///   - now: the time `eta` and `expires` are checked against (±100 years).
    /// - Throws: ``MalformedMessageError`` naming the first defect found; its `taskID` is set only when the id
    ///   itself is acceptable.
    public static func decode(
        _ raw: String, maxBytes: Int = MessageLimits.defaultMaxBytes, now: Date = Date()
    ) throws(MalformedMessageError) -> TaskMessage {
        guard raw.utf8.count <= maxBytes else {
            throw MalformedMessageError(defect: .tooLarge(bytes: raw.utf8.count, limit: maxBytes))
        }
        let envelopeValue: JSONValue
        do {
            envelopeValue = try JSONValue.parse(raw, strings: wireStrings)
        } catch {
            throw MalformedMessageError(defect: .invalidEnvelopeJSON(error))
        }
        guard case .object(let envelope) = envelopeValue else {
            throw MalformedMessageError(defect: .envelopeNotAnObject)
        }
        guard case .object(let headers)? = envelope["headers"] else {
            throw MalformedMessageError(defect: .missingHeaders)
        }
        let taskID = headers["id"]?.stringValue.flatMap { MessageLimits.idProblem($0) == nil ? $0 : nil }
        let taskName = headers["task"]?.stringValue
        func fail(_ defect: MalformedMessageError.Defect) -> MalformedMessageError {
            MalformedMessageError(defect: defect, taskID: taskID, taskName: taskName)
        }
        let properties = envelope["properties"]?.objectValue ?? [:]
        let contentType = envelope["content-type"]?.stringValue ?? "application/json"
        let isJSON = contentType == "application/json" || contentType == "json"
        let serializer = BodySerializer(contentType: contentType)  // nil: JSON
        guard isJSON || serializer != nil else { throw fail(.unsupportedContentType(contentType)) }
        guard taskName != nil else { throw fail(.missingTaskName) }
        guard headers["id"]?.stringValue != nil else { throw fail(.missingTaskID) }
        guard properties["delivery_tag"]?.stringValue != nil else { throw fail(.missingDeliveryTag) }
        guard properties["delivery_info"]?.objectValue != nil else { throw fail(.missingDeliveryInfo) }
        if let (field, problem) = validationProblem(headers: headers, properties: properties, now: now) {
            throw fail(.invalidField(field: field, problem: problem))
        }
        guard let bodyText = envelope["body"]?.stringValue else { throw fail(.missingBody) }
        let bodyBytes: [UInt8]?  // nil: the body is the JSON text itself
        switch properties["body_encoding"] {
        case nil, .null?:
            bodyBytes = nil
        case .string("base64")?:
            guard let bytes = Base64.decode(bodyText) else { throw fail(.invalidBase64) }
            bodyBytes = bytes
        case let other?:
            throw fail(.unsupportedBodyEncoding(other.stringValue ?? other.serialized))
        }
        let bodyValue: JSONValue
        if let serializer {
            do {
                bodyValue = try serializer.decode(bodyBytes ?? Array(bodyText.utf8))
            } catch {
                throw fail(.invalidBody(error))
            }
        } else {
            do {
                if let bodyBytes {
                    bodyValue = try JSONValue.parse(bytes: bodyBytes, strings: wireStrings)
                } else {
                    bodyValue = try JSONValue.parse(bodyText, strings: wireStrings)
                }
            } catch {
                throw fail(.invalidBodyJSON(error))
            }
        }
        guard case .array(let body) = bodyValue else { throw fail(.bodyNotThreeElementArray(count: -1)) }
        guard body.count == 3 else { throw fail(.bodyNotThreeElementArray(count: body.count)) }
        guard case .array(let args) = body[0], case .object(let kwargs) = body[1] else {
            throw fail(.argumentsMalformed)
        }
        return TaskMessage(
            args: args,
            kwargs: kwargs,
            embed: body[2].objectValue ?? [:],
            headers: headers,
            properties: properties,
            // A yaml or msgpack body is now JSON values; re-sent (retry, chain) it goes out as JSON.
            contentType: isJSON ? contentType : "application/json",
            contentEncoding: isJSON ? envelope["content-encoding"]?.stringValue ?? "utf-8" : "utf-8"
        )
    }
}
