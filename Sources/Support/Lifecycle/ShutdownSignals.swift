import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process's signal handling, installed in one place for every command: the supervisor, each worker process,
/// the scheduler, the alerter and the outbox relay. The handler is installed in one step with `sigaction` (no
/// moment where the signal is ignored, so none is lost) and does only what is safe in a handler: one atomic
/// store and one `write` to a pipe. Readers get the signals from the pipe in order: ``ServiceGroup`` turns them
/// into a ``Shutdown`` (the first SIGTERM or SIGINT warm, a second one or SIGQUIT cold, SIGHUP a reload), and a
/// hot loop that only needs "stop?" reads ``stopRequested``, one relaxed load.
package final class ShutdownSignals: Sendable {
    /// The signals this process handles.
    package let handled: [Int32]
    private let readEnd: Int32

    private init(handled: [Int32], readEnd: Int32) {
        self.handled = handled
        self.readEnd = readEnd
    }

    /// Installs the handler for `signals` and ignores `ignored`. The handlers are process-wide: a command installs
    /// them once, at its start (a second call installs the same handler again, and changes nothing else).
    /// - Parameters:
    ///   - signals: the signals to receive (SIGTERM, SIGINT, SIGQUIT, SIGHUP).
    ///   - ignored: signals this process leaves to another (a worker process leaves Ctrl-C to its supervisor).
    package static func install(_ signals: [Int32], ignoring ignored: [Int32] = []) -> ShutdownSignals {
        let pipe = SignalPipe.shared
        _ = stopSignalled.load(ordering: .relaxed)  // globals are set up lazily: never first inside the handler
        for signalNumber in ignored { signal(signalNumber, SIG_IGN) }
        for signalNumber in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = receiveSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signalNumber, &action, nil)
        }
        return ShutdownSignals(handled: signals, readEnd: pipe.readEnd)
    }

    /// Whether a stop signal (anything but SIGHUP) has arrived: one load, for a loop that checks it per task.
    package var stopRequested: Bool { stopSignalled.load(ordering: .relaxed) }

    /// The signals received from now on, in order, for one reader; it finishes when the reading task is cancelled.
    package func stream() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global())
        source.setEventHandler { [readEnd] in
            var bytes = [UInt8](repeating: 0, count: 64)
            while true {
                let count = read(readEnd, &bytes, bytes.count)
                guard count > 0 else { break }
                for byte in bytes.prefix(count) { continuation.yield(Int32(byte)) }
            }
        }
        source.resume()
        let reading = Locked<(any DispatchSourceRead)?>(source)
        continuation.onTermination = { _ in reading.withLock { $0?.cancel() } }
        return stream
    }
}

/// Set by the handler for any signal but SIGHUP.
private let stopSignalled = Atomic(false)

/// The handler: an atomic store and a non-blocking one-byte `write`, both async-signal-safe.
private func receiveSignal(_ signalNumber: Int32) {
    if signalNumber != SIGHUP { stopSignalled.store(true, ordering: .relaxed) }
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signalNumber)
    _ = write(SignalPipe.writeEnd.load(ordering: .relaxed), &byte, 1)
    errno = savedErrno
}

/// The pipe from the handler to the readers: both ends non-blocking (a full pipe drops a signal's byte rather
/// than block the handler; by then a stop was recorded anyway) and closed on exec.
private struct SignalPipe: Sendable {
    let readEnd: Int32

    /// The write end, for the handler (a plain atomic: no lazy global is touched inside a handler).
    static let writeEnd = Atomic<Int32>(-1)

    static let shared: SignalPipe = {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("cannot create the signal pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        writeEnd.store(ends[1], ordering: .relaxed)
        return SignalPipe(readEnd: ends[0])
    }()
}
