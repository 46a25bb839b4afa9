import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--task-memory-limit` (docs/flow-control.md): the supervisor watches the resident memory of each process that
/// runs a task; one that passes the limit is killed, and its task is dead-lettered with reason `memory` and a
/// FAILURE result — never retried blindly, since it would only grow again. The rest of the process's batch goes
/// back to the head of its queue.
enum TaskMemoryLimit {
    /// The resident memory of process `pid` in bytes (`/proc/<pid>/statm`); `nil` when it cannot be read.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * 4096
    }

    /// The FAILURE stored for the killed task.
    static func failure(taskID: String, limitMiB: Int) -> TaskResult {
        let error = RemoteError(type: "MemoryLimitExceeded", message: killed(limitMiB: limitMiB), module: "celerity.exceptions")
        return TaskResult(taskID: taskID, state: .failure, result: error.json, traceback: nil, dateDone: Date())
    }

    /// The dead-letter entry's reason and error for the killed task's message.
    static func deadLetter(limitMiB: Int) -> KilledTaskDeadLetter {
        KilledTaskDeadLetter(reason: "memory", error: killed(limitMiB: limitMiB))
    }

    private static func killed(limitMiB: Int) -> String {
        "the task's process passed --task-memory-limit \(limitMiB) MiB and was killed"
    }
}
