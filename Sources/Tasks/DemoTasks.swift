import Broker
import TaskAPI

/// The `demo.*` tasks shipped in the `celerity` binary, for trying Celerity and for the README's main job.
public enum DemoTasks {
    /// `demo.add(a, b)` → `a + b`; `demo.echo(**kwargs)` → kwargs; `demo.fail()` → `ValueError('boom')`;
    /// `demo.sleep(seconds)` → seconds; `demo.sum(numbers)` → the sum of a list (a chord body).
    public static var all: [TaskDefinition] { definitions(namespace: "demo", sum: "sum") }

    /// The demo tasks under `namespace` (`namespace.add`, …), the list-sum task named `namespace.<sum>`: the
    /// Python interop app has the same tasks as `compat.*` with `compat.tsum`.
    public static func definitions(namespace: String, sum: String) -> [TaskDefinition] {
        [
            TaskDefinition("\(namespace).add") { arguments, _ in
                guard let a = arguments.argument(0, "a"), let b = arguments.argument(1, "b") else {
                    throw TaskError.typeError("add() missing required positional arguments: 'a' and 'b'")
                }
                return try plus(a, b)
            },
            TaskDefinition("\(namespace).echo") { arguments, _ in
                .object(arguments.kwargs)
            },
            TaskDefinition("\(namespace).fail") { _, _ in
                throw TaskError.valueError("boom")
            },
            TaskDefinition("\(namespace).sleep") { arguments, _ in
                // A number from the message: checked before the conversion (1e300 or NaN must not trap the process).
                guard let seconds = arguments.argument(0, "seconds"), let value = seconds.doubleValue,
                    let duration = Duration(checkedSeconds: value)
                else {
                    throw TaskError.typeError("sleep() needs a number of seconds from 0 to \(Int(Duration.longestAcceptedSeconds))")
                }
                try await Task.sleep(for: duration)
                return seconds
            },
            TaskDefinition("\(namespace).\(sum)") { arguments, _ in
                guard let numbers = arguments.argument(0, "numbers")?.arrayValue else {
                    throw TaskError.typeError("\(sum)() needs a list of numbers")
                }
                return try numbers.reduce(JSONValue.int(0), plus)
            },
        ]
    }

    /// Python's `a + b` on JSON numbers: integers stay integers unless they overflow.
    private static func plus(_ a: JSONValue, _ b: JSONValue) throws -> JSONValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .int(sum)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw TaskError.typeError("unsupported operand type(s) for +: \(a.serialized) and \(b.serialized)")
            }
            return .double(x + y)
        }
    }
}
