import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a worker process tells its supervisor, as a typed value with one codec: a line of tab-separated
/// fields, each percent-escaped (`%`, tab, CR, LF), so that no field content can change the framing.
/// The supervisor decodes a line with ``init(fields:)``, which refuses out-of-range numbers.
enum WorkerEvent: Sendable, Equatable {
    /// A task started: the supervisor enforces its hard limit and shows it as active.
    case started(TaskStart)
    /// A message is done with (``TaskReport``): counters and histograms.
    case finished(TaskReport)
    /// The task names the process registered, sent once after the application's setup.
    case registered(taskNames: [String])
    /// A message was parked in the ETA set (a future ETA, or a retry) until `due`, Unix seconds within 10⁷ s of
    /// now: the node promotes it then (``EtaDueTimes``).
    case parked(due: Double)

    /// A started task, as the supervisor tracks it.
    struct TaskStart: Sendable, Equatable {
        var taskID: String
        var name: String
        /// The hard time limit, within (0, 10⁷] s, or `nil` for none.
        var hardLimit: Duration?
        /// When it started, Unix seconds.
        var startedAt: Double
        var queue: String
        /// The arguments as JSON text when at most ``maxArgumentBytes`` long, else `nil` (for `inspect active`).
        var argsJSON: String? = nil
        var kwargsJSON: String? = nil
        /// Celery's display reprs of the arguments (`argsrepr` / `kwargsrepr`), at most 1,024 characters.
        var argsrepr = ""
        var kwargsrepr = ""

        /// The longest arguments JSON passed to the supervisor; longer arguments are shown by their repr.
        static let maxArgumentBytes = 4096
    }

    /// Why a line is not an event the supervisor accepts.
    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    /// The line as written to the pipe.
    var encodedLine: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        encode(into: &bytes)
        return bytes
    }

    /// Appends the line as written to the pipe: the event's name, then each field after a tab, escaped
    /// (``escape(_:into:)``), then a newline. Written in place, with no array of fields in between (a worker
    /// process sends two events per task).
    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .started(let start):
            bytes.append(contentsOf: "start".utf8)
            Self.appendField(start.taskID, to: &bytes)
            Self.appendField(start.name, to: &bytes)
            Self.appendField(start.hardLimit.map { String($0.seconds) } ?? "-", to: &bytes)
            Self.appendField(String(start.startedAt), to: &bytes)
            Self.appendField(start.queue, to: &bytes)
            Self.appendField(start.argsJSON ?? "-", to: &bytes)
            Self.appendField(start.kwargsJSON ?? "-", to: &bytes)
            Self.appendField(start.argsrepr, to: &bytes)
            Self.appendField(start.kwargsrepr, to: &bytes)
        case .finished(let report):
            bytes.append(contentsOf: "done".utf8)
            report.encodeFields(into: &bytes)
        case .registered(let names):
            bytes.append(contentsOf: "tasks".utf8)
            for name in names { Self.appendField(name, to: &bytes) }
        case .parked(let due):
            bytes.append(contentsOf: "eta".utf8)
            Self.appendField(String(due), to: &bytes)
        }
        bytes.append(0x0A)
    }

    /// Appends a tab and `field`, escaped.
    static func appendField(_ field: String, to bytes: inout [UInt8]) {
        bytes.append(0x09)
        escape(field, into: &bytes)
    }

    /// Decodes the (unescaped) fields of one line.
    /// - Throws: ``DecodingError`` for an unknown event, a missing field, or a number that is not finite or
    ///   out of range (a hard limit outside (0, 10⁷] s, a start or due time more than 10⁷ s away from now).
    init(fields: [String], now: Double = Date().timeIntervalSince1970) throws(DecodingError) {
        switch fields.first {
        case "start":
            guard fields.count == 10 else { throw DecodingError(description: "start event with \(fields.count) fields") }
            var hardLimit: Duration?
            if fields[3] != "-" {
                guard let seconds = Double(fields[3]), seconds > 0, let limit = Duration(checkedSeconds: seconds) else {
                    throw DecodingError(description: "start event with hard limit \(fields[3].prefix(32)); must be in (0, 1e7] s")
                }
                hardLimit = limit
            }
            guard let startedAt = Double(fields[4]), startedAt.isFinite,
                abs(now - startedAt) <= Duration.longestAcceptedSeconds
            else { throw DecodingError(description: "start event with start time \(fields[4].prefix(32))") }
            func arguments(_ text: String) -> String? {
                text == "-" || text.utf8.count > TaskStart.maxArgumentBytes ? nil : text
            }
            self = .started(
                TaskStart(
                    taskID: fields[1], name: fields[2], hardLimit: hardLimit, startedAt: startedAt, queue: fields[5],
                    argsJSON: arguments(fields[6]), kwargsJSON: arguments(fields[7]),
                    argsrepr: String(fields[8].prefix(MessageLimits.maxReprCharacters)),
                    kwargsrepr: String(fields[9].prefix(MessageLimits.maxReprCharacters))
                ))
        case "done":
            guard let report = TaskReport(fields: fields.dropFirst()) else {
                throw DecodingError(description: "done event that is not a task report (\(fields.count) fields)")
            }
            self = .finished(report)
        case "tasks":
            self = .registered(taskNames: Array(fields.dropFirst()))
        case "eta":
            guard fields.count == 2, let due = Double(fields[1]), due.isFinite, abs(now - due) <= Duration.longestAcceptedSeconds else {
                throw DecodingError(description: "eta event with due time \((fields.dropFirst().first ?? "").prefix(32)); must be within 1e7 s of now")
            }
            self = .parked(due: due)
        default:
            throw DecodingError(description: "unknown event \((fields.first ?? "").prefix(32))")
        }
    }

    // MARK: - Escaping

    /// Appends `field` with `%`, tab, LF and CR written as `%25`, `%09`, `%0A`, `%0D`.
    static func escape(_ field: String, into bytes: inout [UInt8]) {
        let copied = field.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !utf8.contains(where: { $0 == 0x25 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return false }
            bytes.append(contentsOf: utf8)  // the usual field: nothing to escape, copied in one step
            return true
        }
        if copied == true { return }
        for byte in field.utf8 {
            switch byte {
            case 0x25, 0x09, 0x0A, 0x0D:
                bytes.append(0x25)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
    }

    /// The text of one escaped field; a `%` not followed by two hex digits is kept as it is.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(0x25) else { return String(decoding: field, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var index = field.startIndex
        while index < field.endIndex {
            if field[index] == 0x25, index + 2 < field.endIndex, let high = hexValue(field[index + 1]),
                let low = hexValue(field[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(field[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
