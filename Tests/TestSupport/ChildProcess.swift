import Broker
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program started by a test, with its output captured to a file and its end guaranteed.
///
/// Standard output and standard error go to ``outputURL`` (or standard error to ``errorURL`` when the process
/// was started with `separateStandardError: true`), in a scratch directory that is removed when the value is
/// released (set `CELERITY_KEEP_TEST_FILES=1` to keep it). Standard input is `/dev/null` unless given.
///
/// The child is started with `posix_spawn` in its own process group, with an empty signal mask and default
/// signal dispositions (Foundation's `Process` passes on the blocked mask of the Swift concurrency thread that
/// starts it, so such a child ignores `SIGTERM`), and with no descriptors but 0, 1 and 2. Signals go to the whole
/// group. A process still running when the last reference goes away is killed with `SIGKILL` and reaped.
///
/// Prefer the scoped ``withChildProcess(_:arguments:environment:workingDirectory:isolation:_:)``, or call
/// ``stop(gracePeriod:)`` yourself.
public final class ChildProcess: Sendable {
    /// How a process ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// The process called `exit` with this status.
        case exited(Int32)
        /// The process was ended by this signal.
        case signalled(Int32)

        /// Whether the process exited with status 0.
        public var isSuccess: Bool { self == .exited(0) }

        /// `exit status 1` or `signal 9 (SIGKILL)`.
        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")"
            }
        }

        private static func signalName(_ signal: Int32) -> String? {
            switch signal {
            case SIGKILL: "SIGKILL"
            case SIGTERM: "SIGTERM"
            case SIGINT: "SIGINT"
            case SIGQUIT: "SIGQUIT"
            case SIGABRT: "SIGABRT"
            case SIGSEGV: "SIGSEGV"
            default: nil
            }
        }

        /// Decodes a `waitpid` status.
        init(waitStatus status: Int32) {
            let signal = status & 0x7F
            self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }
    }

    /// The absolute path of the program.
    public let executable: String
    /// The arguments passed to the program, not including its name.
    public let arguments: [String]
    /// The process id; also the id of the child's process group.
    public let pid: Int32
    /// The file that receives standard output, and standard error unless it is separate.
    public let outputURL: URL
    /// The file that receives standard error when the process was started with `separateStandardError: true`.
    public let errorURL: URL?

    private let scratch: URL
    /// How the process ended, once `waitpid` has reaped it. The lock also keeps two callers from reaping at once.
    private let reaped = Locked<Termination?>(nil)

    /// Starts a program.
    ///
    /// - Parameters:
    ///   - executable: A path, or a name looked up in `PATH`.
    ///   - arguments: The arguments, passed as they are (no shell).
    ///   - environment: Variables added to (or replacing those of) the test process's environment.
    ///   - inheritEnvironment: Whether the child starts from the test process's environment; if `false` it gets
    ///     only `environment`.
    ///   - workingDirectory: The child's current directory; the test process's by default.
    ///   - separateStandardError: Whether standard error goes to its own file, ``errorURL``.
    ///   - standardInput: Bytes the child reads on standard input; `/dev/null` when `nil`.
    /// - Throws: ``HarnessError`` when the program is not found or cannot be started.
    public init(
        _ executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        inheritEnvironment: Bool = true,
        workingDirectory: URL? = nil,
        separateStandardError: Bool = false,
        standardInput: Data? = nil
    ) throws {
        guard let resolved = HarnessEnvironment.which(executable) else {
            throw HarnessError(.programNotFound, "\(executable) not found on PATH or not executable")
        }
        let scratch = try HarnessEnvironment.makeTemporaryDirectory(prefix: "celerity-proc")
        do {
            let name = (resolved as NSString).lastPathComponent
            let outputURL = scratch.appendingPathComponent("\(name).out")
            let errorURL = separateStandardError ? scratch.appendingPathComponent("\(name).err") : nil
            var inputPath = "/dev/null"
            if let standardInput {
                inputPath = scratch.appendingPathComponent("\(name).in").path
                try standardInput.write(to: URL(fileURLWithPath: inputPath))
            }
            var variables = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
            variables.merge(environment) { _, new in new }
            let append = O_WRONLY | O_CREAT | O_APPEND
            do {
                self.pid = try ProcessSpawn.start(
                    path: resolved, arguments: arguments, environment: variables,
                    descriptors: [
                        0: .open(path: inputPath, flags: O_RDONLY),
                        1: .open(path: outputURL.path, flags: append, mode: 0o644),
                        2: errorURL.map { .open(path: $0.path, flags: append, mode: 0o644) } ?? .duplicate(1),
                    ],
                    workingDirectory: workingDirectory?.path
                )
            } catch {
                throw HarnessError(.processFailed, "\(error)")
            }
            self.executable = resolved
            self.arguments = arguments
            self.outputURL = outputURL
            self.errorURL = errorURL
            self.scratch = scratch
        } catch {
            HarnessEnvironment.removeTemporaryDirectory(scratch)
            throw error
        }
    }

    deinit {
        reaped.withLock { termination in
            guard termination == nil else { return }
            sendSignal(SIGKILL, toProcessGroupOf: pid)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
        HarnessEnvironment.removeTemporaryDirectory(scratch)
    }

    /// Reaps the child without blocking if it has exited.
    private func reap() -> Termination? {
        reaped.withLock { termination in
            if let termination { return termination }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                termination = Termination(waitStatus: status)
            } else if result < 0, errno == ECHILD {
                termination = .exited(-1)  // Reaped by someone else; the status is lost.
            }
            return termination
        }
    }

    /// Whether the process has not yet exited.
    public var isRunning: Bool { reap() == nil }

    /// How the process ended, or `nil` while it runs.
    public var termination: Termination? { reap() }

    /// Everything written so far to ``outputURL``.
    public var output: String { HarnessEnvironment.readText(outputURL) }

    /// Everything written so far to ``errorURL``, or an empty string when standard error is not separate.
    public var errorOutput: String { errorURL.map(HarnessEnvironment.readText) ?? "" }

    /// The last lines of the output (and of standard error, if separate), formatted for an error message.
    public func diagnostics(lines: Int = 40) -> String {
        var text = "\(executable) \(arguments.joined(separator: " ")) [pid \(pid)"
        if let termination { text += ", \(termination)" }
        text += "]\n" + tail(output, lines: lines)
        if errorURL != nil { text += "\n  stderr:\n" + tail(errorOutput, lines: lines) }
        return text
    }

    /// Sends a signal to the child's process group.
    public func signal(_ signal: Int32) {
        // Under the lock, so that the pid cannot be reaped and reused between the check and the signal.
        reaped.withLock { termination in
            if termination == nil { sendSignal(signal, toProcessGroupOf: pid) }
        }
    }

    /// Asks the process to end: sends `SIGTERM`.
    public func terminate() { signal(SIGTERM) }

    /// Ends the process at once: sends `SIGKILL`. Use ``waitForExit(timeout:)`` to wait until it is gone.
    public func kill() { signal(SIGKILL) }

    /// Waits until the process exits.
    ///
    /// - Parameter timeout: How long to wait.
    /// - Returns: How the process ended.
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/timeout`` (with the output's tail) if it is still
    ///   running at the deadline; the process is left running.
    @discardableResult
    public func waitForExit(timeout: Duration) async throws -> Termination {
        do {
            return try await pollForValue(timeout: timeout, interval: .milliseconds(10), "pid \(pid) exits") {
                termination
            }
        } catch let error as HarnessError where error.code == .timeout {
            throw HarnessError(.timeout, "\(error.message)\n\(diagnostics())")
        }
    }

    /// Ends the process: `SIGTERM`, then `SIGKILL` if it is still running after `gracePeriod`.
    ///
    /// - Returns: How the process ended.
    @discardableResult
    public func stop(gracePeriod: Duration = .seconds(5)) async -> Termination {
        if let termination { return termination }
        terminate()
        if let ended = try? await waitForExit(timeout: gracePeriod) { return ended }
        kill()
        // Not cancellable: a test being cancelled must still not leave the process behind.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            if let termination { return termination }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return termination ?? .signalled(SIGKILL)  // Unkillable (uninterruptible sleep): deinit reaps it.
    }

    /// The outcome of a program run to completion by ``run(_:arguments:environment:workingDirectory:standardInput:timeout:)``.
    public struct Result: Sendable {
        /// How the process ended.
        public var termination: Termination
        /// Its standard output.
        public var standardOutput: String
        /// Its standard error.
        public var standardError: String
    }

    /// Runs a program to completion, capturing standard output and standard error separately.
    ///
    /// A non-zero exit is not an error here; check ``Result/termination``.
    /// - Parameters:
    ///   - executable: A path, or a name looked up in `PATH`.
    ///   - arguments: The arguments, passed as they are (no shell).
    ///   - environment: Variables added to the test process's environment.
    ///   - workingDirectory: The child's current directory.
    ///   - standardInput: Bytes the child reads on standard input.
    ///   - timeout: How long the program may run; it is killed after that.
    /// - Throws: ``HarnessError`` if the program cannot be started or runs past `timeout`.
    public static func run(
        _ executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        workingDirectory: URL? = nil,
        standardInput: Data? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let child = try ChildProcess(
            executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
            separateStandardError: true, standardInput: standardInput
        )
        let termination: Termination
        do {
            termination = try await child.waitForExit(timeout: timeout)
        } catch {
            await child.stop(gracePeriod: .seconds(1))
            throw error
        }
        return Result(termination: termination, standardOutput: child.output, standardError: child.errorOutput)
    }
}

/// Starts a program, runs `body` with it, and always stops it afterwards (also when `body` throws).
///
/// - Parameters:
///   - executable: A path, or a name looked up in `PATH`.
///   - arguments: The arguments, passed as they are (no shell).
///   - environment: Variables added to the test process's environment.
///   - workingDirectory: The child's current directory.
///   - body: The code that uses the process.
/// - Returns: What `body` returns.
public func withChildProcess<T>(
    _ executable: String,
    arguments: [String] = [],
    environment: [String: String] = [:],
    workingDirectory: URL? = nil,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ChildProcess) async throws -> T
) async throws -> T {
    let child = try ChildProcess(
        executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory
    )
    do {
        let result = try await body(child)
        await child.stop()
        return result
    } catch {
        await child.stop()
        throw error
    }
}

/// Sends `signal` to the process group led by `pid`, or to `pid` alone when it leads no group.
func sendSignal(_ signal: Int32, toProcessGroupOf pid: Int32) {
    if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
}
