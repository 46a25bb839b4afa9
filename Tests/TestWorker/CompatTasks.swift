import Broker
import Foundation
import Worker

/// The tasks of the Python interop app (`Tests/InteropTests/python/compat.py`) under the same names and with the
/// same behaviour, so Python and Celerity workers can share a queue and either kind can run what the other's
/// clients send.
enum CompatTasks {
    static let all: [TaskDefinition] = [add, echo, fail, sleep, tsum, record, flaky]

    /// `compat.add(a, b)` → `a + b`.
    static let add = TaskDefinition("compat.add") { arguments, _ in
        guard let a = arguments.argument(0, "a"), let b = arguments.argument(1, "b") else {
            throw TaskError(type: "TypeError", message: "add() missing required positional arguments: 'a' and 'b'")
        }
        return try plus(a, b)
    }

    /// `compat.echo(**kwargs)` → kwargs.
    static let echo = TaskDefinition("compat.echo") { arguments, _ in
        .object(arguments.kwargs)
    }

    /// `compat.fail()` raises `ValueError('boom')`.
    static let fail = TaskDefinition("compat.fail") { _, _ in
        throw TaskError(type: "ValueError", message: "boom")
    }

    /// `compat.sleep(seconds)` → seconds, after sleeping that long.
    static let sleep = TaskDefinition("compat.sleep") { arguments, _ in
        let seconds = arguments.argument(0, "seconds") ?? 0
        try await Task.sleep(for: .milliseconds(Int64((seconds.doubleValue ?? 0) * 1000)))
        return seconds
    }

    /// `compat.tsum(numbers)` → the sum of a list: the chord body.
    static let tsum = TaskDefinition("compat.tsum") { arguments, _ in
        guard let numbers = arguments.argument(0, "numbers")?.arrayValue else {
            throw TaskError(type: "TypeError", message: "tsum() needs a list of numbers")
        }
        return try numbers.reduce(JSONValue.int(0), plus)
    }

    /// `compat.record(key, value)`: RPUSHes `value` (JSON unless a string or a number) to `key`; returns the length.
    static let record = TaskDefinition("compat.record") { arguments, _ in
        let key = try TestTasks.key(arguments)
        let value: String
        switch arguments.argument(1, "value") ?? .null {
        case .string(let text): value = text
        case .int(let number): value = String(number)
        case .double(let number): value = String(number)
        case let other: value = other.serialized
        }
        return .int(try TestTasks.redis.send(["RPUSH", key, value]).integer ?? 0)
    }

    /// `compat.flaky(key, failures)`: `INCR key`; while the count is at most `failures` it fails with
    /// `RuntimeError` and is retried 0.5 s later (Celery's `self.retry(countdown=0.5, exc=...)`); then returns the count.
    static let flaky = TaskDefinition(
        "compat.flaky",
        retry: .exponential(maxRetries: 5, base: .milliseconds(500), cap: .milliseconds(500), jitter: false)
    ) { arguments, _ in
        let runs = try TestTasks.redis.send(["INCR", try TestTasks.key(arguments)]).integer ?? 0
        if runs <= arguments.argument(1, "failures")?.intValue ?? 0 {
            throw TaskError(type: "RuntimeError", message: "flaky run \(runs)")
        }
        return .int(runs)
    }

    private static func plus(_ a: JSONValue, _ b: JSONValue) throws -> JSONValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .int(sum)
        default:
            guard let x = a.doubleValue, let y = b.doubleValue else {
                throw TaskError(
                    type: "TypeError", message: "unsupported operand type(s) for +: \(a.serialized) and \(b.serialized)"
                )
            }
            return .double(x + y)
        }
    }
}
