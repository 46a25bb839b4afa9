import Broker
import Foundation
import Logging

/// Keeps every message logged through it, so a test can wait for a log line instead of sleeping, or check that a
/// secret never reached a log.
public final class LogRecorder: Sendable {
    private let lines = Locked<[String]>([])

    /// An empty recorder.
    public init() {}

    /// A logger whose messages (at every level, with their metadata) end up in ``messages``.
    public var logger: Logger {
        var logger = Logger(label: "celerity-tests") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every message so far: the message, then its metadata as sorted `key=value` pairs.
    public var messages: [String] { lines.withLock { $0 } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

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
