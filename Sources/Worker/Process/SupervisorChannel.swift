#if canImport(Glibc)
import Glibc
#endif

/// The pipe on which a worker process tells its supervisor what it runs: tab-separated lines,
/// `start <task id> <task name> <hard limit seconds or -> <start time, Unix seconds> <queue>`,
/// `done <task id> …` (the fields of a ``TaskReport``), and `tasks <name>…` (the names the process
/// registered, sent once after the application's setup).
struct SupervisorChannel: Sendable {
    /// The descriptor a worker process finds the pipe on.
    static let childDescriptor: Int32 = 3

    let descriptor: Int32

    /// Writes one line; a closed pipe (supervisor gone) is ignored — the parent watch exits the process.
    func send(_ fields: String...) {
        send(fields)
    }

    /// Writes one line of `fields`.
    func send(_ fields: [String]) {
        let line = fields.joined(separator: "\t") + "\n"
        _ = writeAll(Array(line.utf8), to: descriptor)
    }
}

/// Writes all of `bytes` to `descriptor`, resuming after partial writes and signals.
/// - Returns: `false` when the write failed (e.g. the reading end of a pipe is closed).
package func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Splits a byte stream into the lines a ``SupervisorChannel`` writes.
struct LineBuffer {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [[String]] {
        pending.append(contentsOf: bytes)
        var lines: [[String]] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            let line = String(decoding: pending[start..<newline], as: UTF8.self)
            lines.append(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
            start = newline + 1
        }
        pending.removeSubrange(..<start)  // once per read, not once per line
        return lines
    }
}
