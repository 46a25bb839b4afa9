#if canImport(Glibc)
import Glibc
#endif
// timespec and timeval are also declared by the toolchain's SwiftOverlayShims; with MemberImportVisibility, a
// release (whole-module) build can attribute their initializers to it, so it is imported where they are built.
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// Plain POSIX threads for work that blocks (Redis I/O, waiting on pipes, pausing between retries), so it
/// never holds a thread of Swift's cooperative pool. Foundation's `Thread` does the same, but importing
/// full Foundation costs every process several MiB of memory.
package enum PosixThread {
    /// Starts `body` on a new detached thread.
    /// - Parameters:
    ///   - name: the thread's name as tools such as `top -H` show it; Linux keeps the first 15 bytes.
    ///   - stackSize: the stack size in bytes; `nil` keeps the system default (`ulimit -s`).
    ///   - body: the thread's work; the thread ends when it returns.
    package static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        let context = Unmanaged.passRetained(Start(name: String(decoding: name.utf8.prefix(15), as: UTF8.self), body: body))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, runStart, context.toOpaque())
        guard status == 0 else {
            context.release()
            fatalError("pthread_create failed: \(String(cString: strerror(status)))")
        }
    }

    /// Runs `body` on a new thread and suspends until it returns: the one bridge from async code to a blocking
    /// loop (hiredis, libpq and pipe reads block), so the loop never holds a thread of the cooperative pool.
    /// - Returns: what `body` returned.
    package static func run<Result: Sendable>(
        name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Result
    ) async -> Result {
        await withCheckedContinuation { (done: CheckedContinuation<Result, Never>) in
            start(name: name, stackSize: stackSize) { done.resume(returning: body()) }
        }
    }

    /// Blocks the calling thread for `duration` (resuming after signals until the time has passed).
    package static func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR {
            request = remaining
        }
    }

    /// Names the calling thread, as `pthread_setname_np` does (which Swift's Glibc module does not declare).
    fileprivate static func setName(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
    }

    /// What a new thread runs, handed to it through `pthread_create`'s context pointer.
    fileprivate final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}

/// A new thread's entry point: takes its ``PosixThread/Start`` from the context pointer and runs it.
private func runStart(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let start = Unmanaged<PosixThread.Start>.fromOpaque(context!).takeRetainedValue()
    PosixThread.setName(start.name)
    start.body()
    return nil
}
