#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Memory-safe processes (docs/flow-control.md): a worker process recycles itself between tasks — it finishes
/// the current task, hands back the rest of its batch, stores every result, and exits with a status that names
/// the reason; its supervisor starts a fresh one at once and counts `celerity_process_recycled_total{reason}`.
package struct Recycling: Sendable {
    /// Why a process recycled itself.
    package enum Reason: String, Sendable, CaseIterable {
        /// `--max-tasks-per-child` tasks ran.
        case tasks
        /// Its resident memory passed `--max-memory-per-child` after a task.
        case memory

        /// The exit status that says so (sysexits leaves 80–89 free).
        var exitStatus: Int32 {
            switch self {
            case .tasks: return 80
            case .memory: return 81
            }
        }

        /// The reason a `waitpid` status reports, when the process exited to be recycled.
        package init?(waitStatus status: Int32) {
            guard status & 0x7F == 0 else { return nil }
            let code = (status >> 8) & 0xFF
            guard let reason = Self.allCases.first(where: { $0.exitStatus == code }) else { return nil }
            self = reason
        }
    }

    private let maxTasks: Int?
    private let maxMemoryBytes: Int?
    private var tasks = 0

    package init(configuration: WorkerConfiguration) {
        maxTasks = configuration.maxTasksPerChild
        maxMemoryBytes = configuration.maxMemoryPerChild.map { $0 << 20 }
    }

    /// Counts a finished task; returns the reason to recycle now, if any.
    package mutating func taskEnded() -> Reason? {
        tasks += 1
        if let maxTasks, tasks >= maxTasks { return .tasks }
        if let maxMemoryBytes, let resident = Self.residentBytes(), resident > maxMemoryBytes { return .memory }
        return nil
    }

    /// This process's resident set size, from `/proc/self/statm`; `nil` when it cannot be read.
    package static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
