import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The direct children of `pid`, from /proc, with their command lines (zombies excluded).
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
        children.append((child, raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }))
    }
    return children
}

/// Whether a process with this pid exists and is not a zombie.
func processIsAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

/// A test expectation about another process that failed, with a message saying what was seen.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
