#if canImport(Glibc)
import Glibc
#endif

/// Lets a loop on a thread of its own (``PosixThread``) wait until a deadline or until another thread wakes it,
/// whichever comes first: a non-blocking pipe read with `poll`, so waking is one `write`, safe from any thread
/// or task, and a wake that comes before the wait is not lost.
package final class Wakeup: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    /// A wakeup nobody has signalled yet.
    package init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("cannot create a wakeup pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Wakes the current or the next ``wait(until:)``.
    package func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)  // a full pipe is already a pending wake
    }

    /// Blocks until `deadline` or a ``signal()``, whichever comes first; takes every pending signal.
    /// - Returns: whether it was woken by a signal (else the deadline passed).
    @discardableResult
    package func wait(until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            if drain() { return true }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            // Whole milliseconds, rounded up, so a wait never ends before its deadline; at most a day per poll.
            let (seconds, attoseconds) = left.components
            let milliseconds = min(seconds, 86_400) * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, Int32(milliseconds))
        }
    }

    /// Reads every pending byte. - Returns: whether there was any.
    private func drain() -> Bool {
        var bytes = [UInt8](repeating: 0, count: 64)
        var any = false
        while read(readEnd, &bytes, bytes.count) > 0 { any = true }
        return any
    }

    /// Runs `body` (which starts a thread loop that waits on this wakeup) and signals the wakeup once `shutdown`
    /// asks for `level`, so the loop notices at once instead of at its next deadline.
    package func signalling<Result: Sendable>(
        when shutdown: Shutdown, reaches level: ShutdownLevel = .warm, _ body: () async -> Result
    ) async -> Result {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await shutdown.requested(level)
                self.signal()
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }
}
