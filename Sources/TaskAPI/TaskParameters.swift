import Broker

/// The `Codable` arguments of one task, naming the task and its Python signature, so that the worker binds
/// what a Python producer sent (`.delay(7, 9)`, `.delay(user_id=7, item_id=9)`, mixed) and a Swift producer
/// sends the same type (``TaskSender/send(_:options:)``, `CelerityClient.enqueue(_:options:)`): no task-name
/// strings at both ends.
///
/// ```swift
/// struct ApplyPurchaseUnlocks: TaskParameters {
///     static let taskName = "purchases.apply_purchase_unlocks_async"
///     static let parameters = ["user_id", "item_id"]
///     static let queue = "purchases"
///     var user_id: Int
///     var item_id: Int
/// }
/// ```
/// The stored properties' coding keys must be the Python parameter names (use `CodingKeys` to map
/// camel-case properties). An optional property is a parameter with a default (`callback_url=None`).
public protocol TaskParameters: Codable, Sendable {
    /// The Celery task name, e.g. `purchases.apply_purchase_unlocks_async`.
    static var taskName: String { get }
    /// Every parameter of the Python signature, in order: positional arguments bind to them by position,
    /// and a keyword argument must be one of them.
    static var parameters: [String] { get }
    /// The queue the task is sent to by default. Default `celery`.
    static var queue: String { get }
}

extension TaskParameters {
    public static var queue: String { "celery" }
}

extension TaskArguments {
    /// Binds the arguments to `Parameters` as Python binds a call: positional arguments to
    /// ``TaskParameters/parameters`` in order, then keyword arguments by name.
    /// - Throws: a `TypeError` ``TaskError`` for too many positional arguments, a value given twice, an unknown
    ///   keyword, a missing argument or a value of the wrong type, naming the parameter.
    public func bind<Parameters: TaskParameters>(_ type: Parameters.Type, task: String? = nil) throws -> Parameters {
        let task = task ?? Parameters.taskName
        let names = Parameters.parameters
        guard args.count <= names.count else {
            throw TaskError.typeError(
                "\(task)() takes \(names.count) positional argument\(names.count == 1 ? "" : "s") but \(args.count) were given"
            )
        }
        var bound = JSONObject()
        for (name, value) in zip(names, args) { bound[name] = value }
        for member in kwargs.members {
            guard names.contains(member.key) else {
                throw TaskError.typeError("\(task)() got an unexpected keyword argument '\(member.key)'")
            }
            guard bound[member.key] == nil else {
                throw TaskError.typeError("\(task)() got multiple values for argument '\(member.key)'")
            }
            bound[member.key] = member.value
        }
        do {
            return try JSONValue.object(bound).decode(Parameters.self)
        } catch let error as DecodingError {
            throw TaskError.typeError("\(task)(): \(Self.explain(error))")
        }
    }

    /// The arguments a Python caller would send for `parameters`: the leading parameters that have values as
    /// positional arguments, in signature order, and any later ones as keyword arguments.
    /// - Throws: `EncodingError` when a value cannot be encoded, or ``TaskError`` when it is not an object.
    public init<Parameters: TaskParameters>(_ parameters: Parameters) throws {
        guard case .object(let encoded) = try JSONValue(encoding: parameters) else {
            throw TaskError.typeError("\(Parameters.taskName): parameters must encode as a JSON object")
        }
        var args: [JSONValue] = []
        var kwargs = JSONObject()
        var positional = true
        for name in Parameters.parameters {
            guard let value = encoded[name], !value.isNull else {
                positional = false
                continue
            }
            if positional { args.append(value) } else { kwargs[name] = value }
        }
        self.init(args: args, kwargs: kwargs)
    }

    /// A decoding error in Python's words: which argument is missing or has the wrong type.
    private static func explain(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
                .trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return parent.isEmpty
                ? "missing required argument '\(key.stringValue)'"
                : "argument '\(parent)' is missing its field '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "argument '\(path(context.codingPath))' must be \(type)"
        case .valueNotFound(let type, let context):
            return "argument '\(path(context.codingPath))' must be \(type), not None"
        case .dataCorrupted(let context):
            return "argument '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
