import Foundation
import Logging
import TestSupport

/// Keeps every message logged through it (with metadata), so a test can check what reached the logs.
final class LogRecorder: Sendable {
    private let lines = Locked<[String]>([])

    /// A logger whose messages (at every level) end up in ``messages``.
    var logger: Logger {
        var logger = Logger(label: "tasks-tests") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything logged so far, one rendered line per message.
    var messages: [String] { lines.withLock { $0 } }

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
            recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
        }
    }
}
