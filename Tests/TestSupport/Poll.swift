import Foundation

/// Polls `condition` until it returns `true`, sleeping `interval` between tries, and fails after `timeout`.
///
/// Use this instead of a fixed sleep whenever a test waits for another process: it returns as soon as the
/// condition holds and fails with a descriptive error when it never does.
///
/// ```swift
/// try await poll(timeout: .seconds(10), "the worker stored the result") {
///     try server.command("EXISTS", "celery-task-meta-\(id)").integer == 1
/// }
/// ```
///
/// - Parameters:
///   - timeout: How long to keep trying. The condition is always tried at least once.
///   - interval: The pause between two tries.
///   - description: What is being waited for; it appears in the timeout error.
///   - condition: Returns `true` once the awaited state is reached. An error it throws ends the poll at once.
/// - Throws: ``HarnessError`` with code ``HarnessError/Code/timeout`` ("condition not met within 10 s: …"),
///   any error thrown by `condition`, or `CancellationError`.
public func poll(
    timeout: Duration,
    interval: Duration = .milliseconds(20),
    _ description: String = "condition",
    isolation: isolated (any Actor)? = #isolation,
    _ condition: () async throws -> Bool
) async throws {
    _ = try await pollForValue(timeout: timeout, interval: interval, description) {
        try await condition() ? true : nil
    }
}

/// Polls `produce` until it returns a value, sleeping `interval` between tries, and fails after `timeout`.
///
/// - Parameters:
///   - timeout: How long to keep trying. `produce` is always tried at least once.
///   - interval: The pause between two tries.
///   - description: What is being waited for; it appears in the timeout error.
///   - produce: Returns the awaited value, or `nil` while it is not there yet.
/// - Returns: The first non-`nil` value `produce` returned.
/// - Throws: ``HarnessError`` with code ``HarnessError/Code/timeout``, any error thrown by `produce`,
///   or `CancellationError`.
public func pollForValue<T>(
    timeout: Duration,
    interval: Duration = .milliseconds(20),
    _ description: String = "condition",
    isolation: isolated (any Actor)? = #isolation,
    _ produce: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if let value = try await produce() { return value }
        if clock.now >= deadline {
            throw HarnessError(.timeout, "condition not met within \(timeout.harnessDescription): \(description)")
        }
        try await Task.sleep(for: interval)
    }
}
