#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The pipe on which a worker process tells its supervisor what it does: one ``WorkerEvent`` per line.
/// Every field is escaped (``WorkerEvent/escape(_:)``), so no content — a task id with a newline or a tab,
/// a queue name from a message — can end a line, add a field or forge an event.
///
/// A task's `done` line waits for the next line (the next task's `start`) or ``flush()``, so a busy process writes
/// one line pair per task in one `write`, not two; the process flushes before anything that can wait (a Redis
/// step, a back-off, an exit), so the supervisor never sees a finished task as running for longer than that.
final class SupervisorChannel: Sendable {
    /// The descriptor a worker process finds the pipe on.
    static let childDescriptor: Int32 = 3

    let descriptor: Int32
    /// `done` lines not written yet; its storage is kept from one write to the next.
    private let pending = Mutex<[UInt8]>([])

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Writes one event, after the lines that wait; a `done` (``WorkerEvent/finished(_:)``) waits for the next
    /// event or ``flush()``. A closed pipe (supervisor gone) is ignored — the parent watch exits the process.
    func send(_ event: WorkerEvent) {
        pending.withLock { pending in
            event.encode(into: &pending)
            if case .finished = event { return }
            writePending(&pending)
        }
    }

    /// Writes the lines that wait, if any.
    func flush() {
        pending.withLock { pending in
            if !pending.isEmpty { writePending(&pending) }
        }
    }

    /// Writes `pending` in one `write` (under the lock, so lines from two threads never interleave) and empties it.
    private func writePending(_ pending: inout [UInt8]) {
        _ = writeAll(pending, to: descriptor)
        pending.removeAll(keepingCapacity: true)
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
