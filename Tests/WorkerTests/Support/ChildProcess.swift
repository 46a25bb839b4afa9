import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process started by a test with `posix_spawn`: stdin from /dev/null, stdout and stderr appended
/// to a log file, default signal dispositions. Tests stop it with real signals.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let executable: String
    let arguments: [String]
    /// Where the process's stdout and stderr go.
    let logPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments` and the test's environment plus `environment`.
    init(executable: String, arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    /// Sends `signal` (SIGKILL, SIGTERM, SIGQUIT, …) unless the process was already reaped.
    func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard exitStatus == nil else { return }
        kill(pid, signal)
    }

    /// The raw wait status once the process has exited (and been reaped), else `nil`.
    var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { exitStatus = raw }
        }
        return exitStatus
    }

    var isRunning: Bool { status == nil }

    /// Waits up to `timeout` for the process to exit; returns its wait status.
    /// - Throws: ``TestFailure`` when it is still running at the deadline.
    @discardableResult
    func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status { return status }
            if ContinuousClock.now >= deadline {
                throw TestFailure("\(URL(fileURLWithPath: executable).lastPathComponent) (pid \(pid)) still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILLs the process (if running) and reaps it.
    func terminate() {
        send(SIGKILL)
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            exitStatus = raw
        }
    }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(_ lines: Int = 40) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no log at \(logPath))" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// How a wait status reads: `exit 0`, `signal 9`.
func describeStatus(_ status: Int32) -> String {
    let signal = status & 0x7F
    return signal == 0 ? "exit \((status >> 8) & 0xFF)" : "signal \(signal)"
}

/// The exit code of a normal exit, or `nil` when a signal ended the process.
func exitCode(_ status: Int32) -> Int32? {
    status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
}

/// The direct children of `pid`, from /proc, with their command lines.
func childProcesses(of pid: pid_t) -> [(pid: pid_t, commandLine: [String])] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var children: [(pid_t, [String])] = []
    for entry in entries {
        guard let child = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        // After "pid (comm)": state, ppid, …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, pid_t(fields[1]) == pid, fields[0] != "Z" else { continue }
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
        let commandLine = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        children.append((child, commandLine))
    }
    return children
}

/// Whether a process with this pid exists and is not a zombie.
func processIsAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

/// A test setup or expectation that failed, with a message saying what was seen.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
