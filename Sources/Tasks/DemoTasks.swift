import Broker
import Worker

/// The `demo.*` tasks shipped in the `celerity` binary, for trying Celerity and for the README's main job.
public enum DemoTasks {
    /// `demo.add(a, b)` → `a + b`; `demo.echo(**kwargs)` → kwargs; `demo.fail()` → `ValueError('boom')`;
    /// `demo.sleep(seconds)` → seconds; `demo.sum(numbers)` → the sum of a list (a chord body).
    public static let all: [TaskDefinition] = [add, echo, fail, sleep, sum]

    static let add = TaskDefinition("demo.add") { arguments, _ in
        guard let a = arguments.argument(0, "a"), let b = arguments.argument(1, "b") else {
            throw TaskError(type: "TypeError", message: "demo.add() needs two arguments: a, b")
        }
        return try plus(a, b)
    }

    static let echo = TaskDefinition("demo.echo") { arguments, _ in
        .object(arguments.kwargs)
    }

    static let fail = TaskDefinition("demo.fail") { _, _ in
        throw TaskError(type: "ValueError", message: "boom")
    }

    static let sleep = TaskDefinition("demo.sleep") { arguments, _ in
        guard let seconds = arguments.argument(0, "seconds"), let value = seconds.doubleValue, value >= 0 else {
            throw TaskError(type: "TypeError", message: "demo.sleep() needs a non-negative number of seconds")
        }
        try await Task.sleep(for: .milliseconds(Int64(value * 1000)))
        return seconds
    }

    static let sum = TaskDefinition("demo.sum") { arguments, _ in
        guard let numbers = arguments.argument(0, "numbers")?.arrayValue else {
            throw TaskError(type: "TypeError", message: "demo.sum() needs a list of numbers")
        }
        return try numbers.reduce(JSONValue.int(0), plus)
    }

    private static func plus(_ a: JSONValue, _ b: JSONValue) throws -> JSONValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .int(sum)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw TaskError(type: "TypeError", message: "unsupported operand types for +: \(a.serialized) and \(b.serialized)")
            }
            return .double(x + y)
        }
    }
}
