import Broker

/// The tasks a worker process can run, the aliases producers may use for them, and the middleware around them.
public struct TaskRegistry: Sendable {
    private var definitions: [String: TaskDefinition] = [:]
    private var aliases: [String: String] = [:]
    /// The middleware, in the order its hooks run.
    public private(set) var middleware: [any TaskMiddleware] = []

    /// A registry of `definitions`.
    /// - Throws: ``TaskRegistryError`` when two share a name.
    public init(_ definitions: [TaskDefinition] = []) throws {
        try register(definitions)
    }

    /// Adds tasks.
    /// - Throws: ``TaskRegistryError`` when a name (or alias) is already taken, naming both definitions, or
    ///   when a ``TaskParameters`` type's properties and its `parameters` disagree, naming the type, the
    ///   property and the definition.
    public mutating func register(_ definitions: [TaskDefinition]) throws {
        for definition in definitions {
            if let type = definition.parametersType, let problem = ParameterContract.problem(type) {
                throw TaskRegistryError("task \"\(definition.name)\" defined at \(definition.location): \(problem)")
            }
            do {
                _ = try definition.rateLimit.map(RateLimit.init)
                _ = try definition.flow?.encoded()
            } catch let error as TaskRegistryError {
                throw TaskRegistryError("task \"\(definition.name)\" defined at \(definition.location): \(error)")
            }
            if let existing = lookup(definition.name) {
                throw TaskRegistryError(
                    "task \"\(definition.name)\" is defined twice: at \(existing.location) and at \(definition.location)"
                )
            }
            self.definitions[definition.name] = definition
        }
    }

    /// Adds one task.
    /// - Throws: ``TaskRegistryError`` when its name is already taken.
    public mutating func register(_ definition: TaskDefinition) throws {
        try register([definition])
    }

    /// Lets producers send the task `target` under the name `alias`, e.g. the Python module path
    /// `myapp.tasks.apply_purchase_unlocks_async` for `purchases.apply_purchase_unlocks_async`.
    /// - Throws: ``TaskRegistryError`` when `target` is not registered or `alias` is a task's name.
    public mutating func alias(_ alias: String, for target: String) throws {
        guard definitions[target] != nil else {
            throw TaskRegistryError("alias \"\(alias)\" names the task \"\(target)\", which is not registered")
        }
        if let existing = definitions[alias] {
            throw TaskRegistryError("alias \"\(alias)\" is already the name of the task defined at \(existing.location)")
        }
        aliases[alias] = target
    }

    /// Adds aliases written `alias=task`, separated by commas (`CELERITY_TASK_ALIASES`, `--alias`).
    /// - Throws: ``TaskRegistryError`` for a malformed pair or an unknown task.
    public mutating func alias(pairs text: String) throws {
        for pair in text.split(separator: ",") where !pair.allSatisfy(\.isWhitespace) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TaskRegistryError("alias \"\(pair)\" is not written alias=task")
            }
            try alias(parts[0], for: parts[1])
        }
    }

    /// Adds a middleware; its hooks run after those added before it.
    public mutating func use(_ middleware: any TaskMiddleware) {
        self.middleware.append(middleware)
    }

    /// The task named `name`, directly or through an alias.
    public subscript(name: String) -> TaskDefinition? { lookup(name) }

    /// All registered task names (not aliases), sorted.
    public var names: [String] { definitions.keys.sorted() }

    /// The aliases, sorted: `alias → task`.
    public var aliasNames: [(alias: String, task: String)] {
        aliases.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private func lookup(_ name: String) -> TaskDefinition? {
        definitions[name] ?? aliases[name].flatMap { definitions[$0] }
    }
}

/// A registry that cannot be built as asked: a duplicate name, an alias to nothing.
public struct TaskRegistryError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
