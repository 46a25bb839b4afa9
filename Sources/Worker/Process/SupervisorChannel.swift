#if canImport(Glibc)
import Glibc
#endif

/// The pipe on which a worker process tells its supervisor what it does: one ``WorkerEvent`` per line.
/// Every field is escaped (``WorkerEvent/escape(_:)``), so no content — a task id with a newline or a tab,
/// a queue name from a message — can end a line, add a field or forge an event.
struct SupervisorChannel: Sendable {
    /// The descriptor a worker process finds the pipe on.
    static let childDescriptor: Int32 = 3

    let descriptor: Int32

    /// Writes one event; a closed pipe (supervisor gone) is ignored — the parent watch exits the process.
    func send(_ event: WorkerEvent) {
        _ = writeAll(event.encodedLine, to: descriptor)
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

/// Splits the byte stream of a ``SupervisorChannel`` into lines, and each line into its unescaped fields.
struct LineBuffer {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [[String]] {
        pending.append(contentsOf: bytes)
        var lines: [[String]] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            lines.append(pending[start..<newline].split(separator: 0x09, omittingEmptySubsequences: false).map(WorkerEvent.unescape))
            start = newline + 1
        }
        pending.removeSubrange(..<start)  // once per read, not once per line
        return lines
    }
}
