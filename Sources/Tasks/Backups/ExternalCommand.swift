import Broker
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program a backup step runs (`pg_dump`, `gzip`, `redis-cli`, the off-site copy command, …).
///
/// It is started with `ProcessSpawn`: no shell (each argument reaches the program as it is), its own process
/// group (a timeout, the task's deadline or a cancelled task kills the whole group; when the supervisor kills the
/// worker process at its hard limit or on revoke, it kills its children's groups too), default signal dispositions, an empty signal
/// mask, no descriptors but 0, 1 and 2, and an explicit environment — `PATH`, `LC_ALL=C`, `TZ=UTC` and only the
/// variables the step gives, such as `PGPASSWORD` (the off-site command: its cloud credentials). The worker's
/// own environment (database URLs, the Slack webhook, application secrets) is not passed on, and no password is ever an argument: `/proc/<pid>/cmdline` is readable by every
/// user of the machine. The parent reaps the child with `waitpid`, polling every 10 ms: no `SIGCHLD` handler, no
/// helper thread.
struct ExternalCommand: Sendable {
    /// A name looked up in `PATH`, or a path.
    var executable: String
    /// The arguments, each passed as one word.
    var arguments: [String]
    /// Variables added to the minimal environment.
    var environment: [String: String] = [:]
    /// A file the program reads on standard input; `/dev/null` when `nil`.
    var standardInput: String?
    /// A file created (mode 0600, must not exist) for standard output; `/dev/null` when `nil`.
    var standardOutput: String?
    /// How long the program may run before it is killed and the step fails; never past ``taskDeadline``.
    var timeout: Duration = .seconds(3600)

    /// The deadline of the task running the backup (its soft limit): every program is killed by then, so a step
    /// can never outlive its task. Set by the backup tasks around the run.
    @TaskLocal static var taskDeadline: ContinuousClock.Instant?

    /// The variables every program gets: `PATH` (the worker's, or the usual directories), `LC_ALL=C`, `TZ=UTC`.
    static var baseEnvironment: [String: String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return ["PATH": path, "LC_ALL": "C", "TZ": "UTC"]
    }

    /// The program's name as shown in errors: its last path component.
    var displayName: String { executable.split(separator: "/").last.map(String.init) ?? executable }

    /// Runs the program to completion.
    ///
    /// - Parameter scrubber: Removes secrets from standard error before it is thrown.
    /// - Throws: ``BackupError`` with code `command` when the program is missing, cannot start, exits non-zero or
    ///   is killed (with the last lines of its standard error), `timeout` when it runs past ``timeout``, or
    ///   `CancellationError` when the task is cancelled (the program is killed first).
    func run(scrubber: SecretScrubber) async throws {
        let variables = Self.baseEnvironment.merging(environment) { _, new in new }
        guard let path = Self.resolve(executable, path: variables["PATH"] ?? "") else {
            throw BackupError(.command, "\(displayName) is not installed (not found on PATH)")
        }
        let errors = try ErrorCapture()
        defer { errors.close() }
        let pid = try spawn(path: path, environment: variables, standardError: errors.descriptor)
        let ownDeadline = ContinuousClock.now.advanced(by: timeout)
        let deadline = min(ownDeadline, Self.taskDeadline ?? ownDeadline)
        let status: Int32
        do {
            status = try await Self.waitForExit(pid, deadline: deadline)
        } catch is BackupError {
            guard deadline < ownDeadline else {
                throw BackupError(.timeout, "\(displayName) ran longer than \(timeout) and was killed")
            }
            throw BackupError(.timeLimit, "\(displayName) was killed at the task's time limit (still running)")
        }
        guard status == 0 else {
            let signal = status & 0x7F
            let ending = signal == 0 ? "exit status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
            // The last lines of standard error (of its last 64 KiB), scrubbed of the secrets the program was given.
            let tail = scrubber.scrub(errors.text()).split(separator: "\n").suffix(5).joined(separator: " | ")
            throw BackupError(.command, "\(displayName) failed (\(ending))\(tail.isEmpty ? "" : ": \(tail)")")
        }
    }

    /// Starts the program with its descriptors and returns its pid.
    private func spawn(path: String, environment: [String: String], standardError: Int32) throws -> pid_t {
        let inputPath = standardInput ?? "/dev/null"
        let input = open(inputPath, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BackupError(.io, "cannot read \(inputPath): \(Self.lastError)") }
        defer { Glibc.close(input) }
        let output = standardOutput.map { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
            ?? open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard output >= 0 else { throw BackupError(.io, "cannot create \(standardOutput ?? "/dev/null"): \(Self.lastError)") }
        defer { Glibc.close(output) }

        do {
            return try ProcessSpawn.start(
                path: path, arguments: arguments, environment: environment,
                descriptors: [0: .duplicate(input), 1: .duplicate(output), 2: .duplicate(standardError)]
            )
        } catch {
            throw BackupError(.command, "cannot start \(displayName): \(String(cString: strerror(error.errorNumber)))")
        }
    }

    /// Waits for `pid` to exit, polling `waitpid`; kills its process group at the deadline or on cancellation.
    ///
    /// - Returns: The `waitpid` status.
    private static func waitForExit(_ pid: pid_t, deadline: ContinuousClock.Instant) async throws -> Int32 {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result < 0, errno != EINTR { throw BackupError(.command, "waitpid \(pid): \(lastError)") }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                if Task.isCancelled { throw CancellationError() }
                throw BackupError(.timeout, "killed at its deadline")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The first executable `name` in the directories of `path`, or `name` itself when it holds a `/`.
    private static func resolve(_ name: String, path: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// An unlinked temporary file the child writes its standard error to; read after it exits.
    private final class ErrorCapture: Sendable {
        let descriptor: Int32

        init() throws {
            var template = Array((NSTemporaryDirectory() + "/celerity-backup-stderr-XXXXXX").utf8CString)
            let descriptor = mkstemp(&template)
            guard descriptor >= 0 else {
                throw BackupError(.io, "cannot create a temporary file: \(ExternalCommand.lastError)")
            }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            unlink(template)
            self.descriptor = descriptor
        }

        /// The last 64 KiB written.
        func text() -> String {
            let size = lseek(descriptor, 0, SEEK_END)
            let start = max(0, size - 65_536)
            var buffer = [UInt8](repeating: 0, count: Int(size - start))
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, start) }
            return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        }

        func close() { Glibc.close(descriptor) }
    }
}
