import Broker
import Synchronization

/// Sends tasks from inside a task: one task, a group or a chord, with `parent_id`/`root_id` filled in so
/// that Celery clients and Flower see the workflow.
///
/// Each call is one *step*, numbered in the order the task makes them. A step's task, group and body ids are
/// derived from the parent's id, the step number and the member's position (``RandomID/derived(from:)``),
/// and a step is sent at most once per parent: when a parent runs again (its worker died, or it was retried),
/// the steps it already sent are not sent again and return the same ids. A task that fans out must
/// therefore make the same calls in the same order on every run (derive them from its arguments and
/// stored state, not from the clock or randomness).
public final class TaskSender: Sendable {
    /// The sending task's id; `nil` outside a task (ids are then random and nothing is deduplicated).
    public let parentID: String?
    /// The workflow's root id, copied to every child.
    public let rootID: String?
    private let transport: any TaskTransport
    private let steps = Mutex(0)
    private let sent = Mutex<[JSONValue]>([])

    /// What this sender sent, as Celery records a task's children in its result (`children`, read by Python's
    /// `AsyncResult.children`): a task as `[[id, null], null]`, a group, and a chord's header, as
    /// `[[group id, null], [member, …]]`. In the order sent; a step skipped on a re-run is listed as before.
    public var children: [JSONValue] { sent.withLock { $0 } }

    /// A sender for the task `parentID` (in workflow `rootID`) that hands its steps to `transport`.
    public init(parentID: String?, rootID: String?, transport: any TaskTransport) {
        self.parentID = parentID
        self.rootID = rootID
        self.transport = transport
    }

    /// Sends one task and returns its id (`signature.options.taskID` when set, else derived).
    @discardableResult
    public func send(_ signature: Signature) async throws -> String {
        let step = nextStep()
        var signature = signature
        if signature.options.taskID == nil { signature.options.taskID = id(step, "task", 0) }
        let id = signature.freeze()
        try await transport.send(step: key(step), preparation: [], messages: [signature.message(parentID: parentID, rootID: rootID)])
        record(Self.child(id))
        return id
    }

    /// Sends the task that `parameters` names, on its queue unless `options` names another, and returns its id.
    @discardableResult
    public func send<Parameters: TaskParameters>(_ parameters: Parameters, options: SendOptions = SendOptions()) async throws -> String {
        try await send(Signature(parameters, options: options))
    }

    /// Sends a group: the tasks run in parallel.
    public func group(_ signatures: [Signature]) async throws -> GroupHandle {
        let step = nextStep()
        let (messages, ids) = Workflow.group(
            members(signatures, step: step), groupID: id(step, "group", 0), parentID: parentID, rootID: rootID
        )
        try await transport.send(step: key(step), preparation: [], messages: messages)
        record(Self.child(group: id(step, "group", 0), members: ids))
        return GroupHandle(groupID: id(step, "group", 0), taskIDs: ids)
    }

    /// Sends a chord: the header tasks run in parallel, and when all have finished the task `body` names runs
    /// with the list of their results (in header order) as its first parameter, as Celery calls a chord body.
    /// The value of `body`'s first parameter is not sent (Celery fills it in); its other parameters are sent as
    /// keyword arguments, on the body's queue unless `options` names another.
    /// - Throws: ``TaskError`` when `Body` declares no parameter to receive the results, `EncodingError` when
    ///   a parameter cannot be encoded, or the transport's error.
    public func chord<Body: TaskParameters>(
        _ header: [Signature], body: Body, options: SendOptions = SendOptions()
    ) async throws -> ChordHandle {
        try await chord(header, body: Signature(chordBody: body, options: options))
    }

    /// Sends a chord whose body is a raw signature (a task with no ``TaskParameters`` type): the body runs
    /// with the list of the header's results (in header order) as its first argument.
    public func chord(_ header: [Signature], body: Signature) async throws -> ChordHandle {
        let step = nextStep()
        var body = body
        if body.options.taskID == nil { body.options.taskID = id(step, "body", 0) }
        let (preparation, messages, handle) = Workflow.chord(
            members(header, step: step), body: body, groupID: id(step, "group", 0), parentID: parentID, rootID: rootID
        )
        try await transport.send(step: key(step), preparation: preparation, messages: messages)
        record(Self.child(group: handle.groupID, members: handle.headerIDs))
        return handle
    }

    private func record(_ child: JSONValue) {
        sent.withLock { $0.append(child) }
    }

    /// Celery's `AsyncResult.as_tuple()` of a task without a parent result.
    private static func child(_ id: String) -> JSONValue { [[.string(id), nil], nil] }

    /// Celery's `GroupResult.as_tuple()`.
    private static func child(group: String, members: [String]) -> JSONValue {
        [[.string(group), nil], .array(members.map { child($0) })]
    }

    private func nextStep() -> Int {
        steps.withLock { count in
            defer { count += 1 }
            return count
        }
    }

    private func members(_ signatures: [Signature], step: Int) -> [Signature] {
        signatures.enumerated().map { index, signature in
            var member = signature
            if member.options.taskID == nil { member.options.taskID = id(step, "task", index) }
            return member
        }
    }

    private func id(_ step: Int, _ role: String, _ index: Int) -> String {
        guard let parentID else { return RandomID.uuidString() }
        return RandomID.derived(from: [parentID, String(step), role, String(index)])
    }

    private func key(_ step: Int) -> String? {
        parentID.map { "celerity:sent:\($0):\(step)" }
    }
}

extension Signature {
    /// A signature for the task `parameters` names, with the arguments a Python caller would send,
    /// on the parameters' queue unless `options` names another.
    /// - Throws: `EncodingError` when a parameter cannot be encoded.
    public init<Parameters: TaskParameters>(_ parameters: Parameters, options: SendOptions = SendOptions()) throws {
        let arguments = try TaskArguments(parameters)
        self.init(
            Parameters.taskName, args: arguments.args, kwargs: arguments.kwargs,
            options: options.taskOptions(defaultQueue: Parameters.queue)
        )
        if let keyed = parameters as? any KeyedTaskParameters, let key = keyed.flowKey {
            self.options.extraHeaders[FlowLimits.keyHeader] = .string(key)
        }
        if let unique = parameters as? any UniqueTaskParameters {
            // Sent by a task or the outbox: the worker claims the lock when it takes the message.
            for member in UniqueJobs.headers(key: unique.uniqueKey, uniqueness: type(of: unique).uniqueness).members {
                self.options.extraHeaders[member.key] = member.value
            }
        }
    }

    /// A chord body for the task `body` names: its first parameter is left for the header's results (Celery
    /// prepends them to the body's arguments), and its other parameters that have values are keyword arguments.
    /// - Throws: ``TaskError`` when `Body` has no parameters, `EncodingError` when a parameter cannot be encoded.
    public init<Body: TaskParameters>(chordBody body: Body, options: SendOptions = SendOptions()) throws {
        guard let results = Body.parameters.first else {
            throw TaskError.typeError(
                "\(Body.taskName) cannot be a chord body: its first parameter receives the header's results, "
                    + "and it declares none in `parameters`"
            )
        }
        guard case .object(let encoded) = try JSONValue(encoding: body) else {
            throw TaskError.typeError("\(Body.taskName): parameters must encode as a JSON object")
        }
        var kwargs = JSONObject()
        for name in Body.parameters where name != results {
            if let value = encoded[name], !value.isNull { kwargs[name] = value }
        }
        self.init(Body.taskName, kwargs: kwargs, options: options.taskOptions(defaultQueue: Body.queue))
    }
}
