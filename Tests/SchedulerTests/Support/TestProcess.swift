import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, started with `posix_spawn` with default signal dispositions and an empty
/// signal mask (the test runner's threads block signals, and `Foundation.Process` passes that mask on,
/// so a child would ignore SIGTERM), its output appended to `logPath`.
final class TestProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    init(executable: String, arguments: [String], logPath: String) throws {
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
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    deinit { kill(.kill) }

    enum Signal { case term, hup, kill }

    /// Sends a signal (no-op once the process has been reaped).
    func kill(_ signal: Signal) {
        guard lock.withLock({ exitStatus == nil }) else { return }
        let number: Int32 = switch signal {
        case .term: SIGTERM
        case .hup: SIGHUP
        case .kill: SIGKILL
        }
        _ = Glibc.kill(pid, number)
        if signal == .kill { _ = waitForExit(timeout: 5) }
    }

    /// Waits for the process to end; returns its raw wait status, or `nil` on timeout.
    @discardableResult
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = lock.withLock({ exitStatus }) { return status }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || result < 0 {
                lock.withLock { exitStatus = result == pid ? status : -1 }
                return status
            }
            if Date() > deadline { return nil }
            usleep(10_000)
        }
    }

    /// Whether the process ended normally with status 0.
    static func exitedCleanly(_ status: Int32?) -> Bool {
        guard let status else { return false }
        return status & 0x7F == 0 && (status >> 8) & 0xFF == 0
    }

    /// The output so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
