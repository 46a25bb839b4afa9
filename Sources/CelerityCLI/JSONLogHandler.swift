import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// Writes one JSON object per log line to standard error, for log shippers:
/// `{"time": ..., "level": ..., "label": ..., "message": ..., "task.id": ..., ...}`.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    private let label: String
    /// Standard error, locked so lines from different threads never interleave.
    private static let standardError = Mutex<Int32>(STDERR_FILENO)

    package init(label: String) {
        self.label = label
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var object: JSONObject = [
            "time": .string(CeleryTime.format(Date())), "level": .string(event.level.rawValue), "label": .string(label),
            "message": .string("\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() { object[key] = Self.json(merged[key]!) }
        let line = JSONValue.object(object).serialized + "\n"
        Self.standardError.withLock { descriptor in _ = writeAll(Array(line.utf8), to: descriptor) }
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let dictionary): return .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }
}
