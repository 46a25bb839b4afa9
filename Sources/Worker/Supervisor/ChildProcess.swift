import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A worker process started with `ProcessSpawn`: the same binary with the hidden `worker-process` subcommand.
/// Its stdin is a pipe whose closing tells it the supervisor died; descriptor 3 is the ``SupervisorChannel`` back to us; standard output and error are ours. It runs in its
/// own process group, so a terminal's Ctrl-C reaches only the supervisor, which decides how to stop.
struct SpawnedProcess {
    let pid: pid_t
    /// Our end of the child's stdin; closing it (or dying) tells the child to exit.
    let lifeline: Int32
    /// Our end of the child's event pipe, non-blocking.
    let events: Int32

    /// Starts `executable` with `arguments` (argv[1...]) and the current environment.
    static func spawn(executable: String, arguments: [String]) throws -> SpawnedProcess {
        var lifelinePipe: [Int32] = [0, 0]
        var eventPipe: [Int32] = [0, 0]
        guard pipe(&lifelinePipe) == 0, pipe(&eventPipe) == 0 else { throw SpawnError(message: "pipe failed: \(String(cString: strerror(errno)))") }
        // Our ends must not leak into children spawned later.
        _ = fcntl(lifelinePipe[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(eventPipe[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(eventPipe[0], F_SETFL, fcntl(eventPipe[0], F_GETFL) | O_NONBLOCK)
        // The supervisor reads events once per tick (50 ms), not on every write: room for a busy
        // process's events in between (two short lines per task). Best effort; a full pipe only
        // makes the worker wait for the next tick.
        _ = fcntl(eventPipe[0], linuxSetPipeSize, 1 << 20)

        let pid: pid_t
        do {
            pid = try ProcessSpawn.start(
                path: executable, arguments: arguments, environment: nil,
                descriptors: [
                    STDIN_FILENO: .duplicate(lifelinePipe[0]),
                    SupervisorChannel.childDescriptor: .duplicate(eventPipe[1]),
                ]
            )
        } catch {
            close(lifelinePipe[0])
            close(eventPipe[1])
            close(lifelinePipe[1])
            close(eventPipe[0])
            throw SpawnError(message: "\(error)")
        }
        close(lifelinePipe[0])
        close(eventPipe[1])
        return SpawnedProcess(pid: pid, lifeline: lifelinePipe[1], events: eventPipe[0])
    }

    /// Whether the process has its SIGTERM handler installed (`SigCgt` in `/proc/<pid>/status`): from `exec` until
    /// the worker command installs it (tens of ms), SIGTERM would end it by the default action. `true` when the
    /// status cannot be read (the process is gone: a signal does no harm).
    var handlesTerm: Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let caught = UInt64(String(line.dropFirst("SigCgt:".count).filter { !$0.isWhitespace }), radix: 16)
        else { return true }
        return caught & (1 << UInt64(SIGTERM - 1)) != 0
    }

    /// The path of the running executable.
    static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// A worker process could not be started.
struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// How a process ended, for logs.
func describeExit(_ status: Int32) -> String {
    let signal = status & 0x7F
    if signal == 0 { return "exited with status \((status >> 8) & 0xFF)" }
    if signal != 0x7F { return "killed by signal \(signal) (\(String(cString: strsignal(signal))))" }
    return "stopped"
}

/// Linux's `F_SETPIPE_SZ` (`F_LINUX_SPECIFIC_BASE + 7`), which Glibc only declares under `_GNU_SOURCE`.
private let linuxSetPipeSize: Int32 = 1031
