import Foundation
import Logging
import TestSupport
import Testing

@testable import Broker

/// Keeps every message logged through it, so a test can wait for a log line instead of sleeping.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// A logger whose messages (at every level) end up in ``messages``.
    var logger: Logger {
        var logger = Logger(label: "broker-tests") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    fileprivate func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.append("\(event.message) \(rendered)")
        }
    }
}

extension RedisServer {
    /// A configuration for this server, with short reconnect settings unless a test needs the defaults.
    func configuration(
        database: Int = 0, password: String? = nil, username: String? = nil, reconnectTimeout: Duration = .seconds(10)
    ) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url(database: database))
        configuration.password = password
        configuration.username = username
        configuration.reconnectTimeout = reconnectTimeout
        return configuration
    }

    /// Waits until a reader of `taskID`'s result has subscribed to its channel and has run its first GET, so a
    /// write made after this returns can only reach the reader through pub/sub.
    func waitForResultReader(taskID: String) async throws {
        let key = ResultBackend.key(taskID: taskID)
        try await poll(timeout: .seconds(20), "a reader subscribed to \(key) and ran its GET") {
            let subscribers = try command(["PUBSUB", "NUMSUB", key]).array?.last?.integer
            let clients = try command(["CLIENT", "LIST"]).string ?? ""
            return subscribers == 1 && clients.contains(" cmd=get ")
        }
    }
}

/// How long `body` takes.
func measure<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async rethrows -> (
    T, Duration
) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}
