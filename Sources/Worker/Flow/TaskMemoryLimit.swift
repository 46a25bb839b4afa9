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
        let error = RemoteError(
            type: "MemoryLimitExceeded", message: "the task's process passed --task-memory-limit \(limitMiB) MiB and was killed",
            module: "celerity.exceptions"
        )
        return TaskResult(taskID: taskID, state: .failure, result: error.json, traceback: nil, dateDone: Date())
    }

    /// Stores the killed task's FAILURE, dead-letters its message with reason `memory`, requeues the rest of the
    /// process's list at the head of its queue, and forgets the process: one step.
    /// KEYS: processing, processes, lease, dlq index, dlq entries, result key.
    /// ARGV: process id, result document, ttl, task id, entry id, now, max age, max count, max bytes, limit (MiB).
    static let deadLetterKilled = RedisScript(
        name: "dead-letter-over-memory",
        source: WorkerScripts.prelude + """
            store_result(KEYS[6], ARGV[2], ARGV[3])
            local now = tonumber(ARGV[6])
            for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
              flow_release(raw)
              local ok, env = pcall(cjson.decode, raw)
              local killed = ok and type(env) == 'table' and type(env['headers']) == 'table' and env['headers']['id'] == ARGV[4]
              if killed then
                local entry = cjson.encode({id = ARGV[5], reason = 'memory',
                  error = 'the task\\'s process passed --task-memory-limit ' .. ARGV[10] .. ' MiB and was killed',
                  time = now, worker = ARGV[1], queue = bucket_key(env), task = tostring(env['headers']['task'] or ''),
                  task_id = ARGV[4], deliveries = 0, envelope = raw})
                dead_letter(KEYS[4], KEYS[5], ARGV[5], entry, now, tonumber(ARGV[7]), tonumber(ARGV[8]), 'memory', ARGV[9])
                unique_release(raw)
              else
                local key = 'celery'
                if ok then key = queue_key(env) end
                redis.call('RPUSH', key, raw)
              end
            end
            redis.call('DEL', KEYS[1])
            redis.call('DEL', KEYS[3])
            redis.call('SREM', KEYS[2], ARGV[1])
            return 1
            """
    )
}
