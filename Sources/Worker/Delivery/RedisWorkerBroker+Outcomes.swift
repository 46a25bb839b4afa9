import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The steps that end a message's run in a worker process: defer to its ETA, retry, dead-letter, follow-ups.
extension RedisWorkerBroker {
    func deferUntil(_ message: String, due: Date) throws {
        try connection.evaluate(
            WorkerScripts.defer_, keys: [processing, WorkerKeys.scheduled], arguments: [message, String(due.timeIntervalSince1970)]
        )
    }

    func retry(_ step: RetryStep) throws -> Bool {
        let ttl = PendingAck(message: "", deliveryTag: "", taskID: step.state.taskID, result: nil, backend: results).timeToLive
        let reply = try connection.evaluate(
            WorkerScripts.retry,
            keys: [processing, WorkerKeys.deliveries, WorkerKeys.scheduled, ResultBackend.key(taskID: step.state.taskID), SentCounter.key],
            arguments: [
                step.message, step.deliveryTag, step.next.encoded(), String(step.due.timeIntervalSince1970),
                step.storeState ? step.state.encoded() : "", String(ttl),
                SentCounter.field(queue: step.next.queue, name: step.next.task, sender: sender),
            ]
        )
        return reply.integer == 1
    }

    func deadLetter(_ entry: DeadLetterEntry, message: String, deliveryTag: String, result: TaskResult?) throws {
        let resultKey = result.map { ResultBackend.key(taskID: $0.taskID) } ?? "celerity:none"
        let ttl = results.timeToLive.map { String(Int($0.seconds)) } ?? "0"
        try connection.evaluate(
            WorkerScripts.deadLetter,
            keys: [processing, WorkerKeys.deliveries, WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries, resultKey],
            arguments: [
                message, deliveryTag, entry.id, entry.json.serialized, String(entry.time.timeIntervalSince1970),
                String(Int(deadLetters.maxAge.seconds)), String(deadLetters.maxEntries), result?.encoded() ?? "", ttl,
                entry.reason, String(deadLetters.maxBytes),
            ]
        )
    }

    func sendFollowUps(_ messages: [TaskMessage]) throws {
        guard !messages.isEmpty else { return }
        let counts = SentCounter.commands(for: messages, sender: sender)
        let keys = messages.map(\.listKey) + [SentCounter.key]
        let arguments = messages.map { $0.encoded() } + counts.flatMap { [$0[2], $0[3]] }
        try connection.evaluate(WorkerScripts.push, keys: keys, arguments: arguments)
    }

    func sendStep(marker: String?, preparation: [[String]], messages: [TaskMessage], remembered: Duration) throws -> Bool {
        let commands = preparation + messages.map { ["LPUSH", $0.listKey, $0.encoded()] }
            + SentCounter.commands(for: messages, sender: sender)
        var arguments = [String(max(1, remembered.wholeMilliseconds / 1000)), String(commands.count)]
        for command in commands { arguments += [String(command.count)] + command }
        return try connection.evaluate(WorkerScripts.sendStep, keys: marker.map { [$0] } ?? [], arguments: arguments).integer == 1
    }

    func storeResult(_ result: TaskResult) throws {
        try results.store(result, on: connection)
    }

    func joinChord(_ message: TaskMessage, state: TaskState, value: JSONValue) throws -> ChordJoin.Completion? {
        try ChordJoin.join(message, state: state, value: value, on: connection)
    }

    func finishChord(_ claim: ChordJoin.Claim, body: TaskMessage?) throws -> Bool {
        try ChordJoin.finish(claim, body: body, sender: sender, on: connection)
    }

    func uniqueHolder(otherThan message: TaskMessage) throws -> String? {
        try UniqueClaim.holder(otherThan: message, on: connection)
    }

    func publishEvent(_ type: String, _ fields: JSONObject) throws {
        guard let events else { return }
        try connection.send(events.publish(type, fields))
    }
}

extension WorkerScripts {
    /// Moves a message whose ETA is in the future from the processing list to the ETA set.
    /// KEYS: processing, scheduled. ARGV: message, due time.
    static let defer_ = RedisScript(
        name: "defer",
        source: FlowScripts.releasePrelude + """
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
            if redis.call('LREM', KEYS[1], -1, ARGV[1]) > 0 then flow_release(ARGV[1]) end  -- flow hook
            return 1
            """
    )

    /// Retries: schedules the new message, stores the RETRY state and acknowledges the old message.
    /// A process that no longer holds the old message (its lease expired while it was paused or cut off, and the
    /// message was recovered), or whose task has succeeded elsewhere meanwhile, schedules nothing: the recovered
    /// copy is the one that runs, so a late retry never adds a run of completed work. Returns 1, or 0 for that case.
    /// The new message counts as sent (`celery_task_sent_total`, as Celery's retry sends one) when KEYS[5] is given.
    /// KEYS: processing, deliveries, scheduled, result key[, sent counter hash].
    /// ARGV: old message, old tag, new message, due, RETRY document, ttl[, sent counter field].
    static let retry = RedisScript(
        name: "retry",
        source: prelude + """
            local succeeded = false
            local stored = redis.call('GET', KEYS[4])
            if stored then
              local ok, old = pcall(cjson.decode, stored)
              succeeded = ok and type(old) == 'table' and old['status'] == 'SUCCESS'
            end
            if not redis.call('LPOS', KEYS[1], ARGV[1]) or succeeded then
              acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
              return 0
            end
            redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
            if KEYS[5] then redis.call('HINCRBY', KEYS[5], ARGV[7], 1) end
            store_result(KEYS[4], ARGV[5], ARGV[6])
            acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
            return 1
            """
    )

    /// Dead-letters a message from the processing list, optionally storing a result for it.
    /// KEYS: processing, deliveries, dlq index, dlq entries, result key.
    /// ARGV: message, delivery tag, entry id, entry JSON, now, max age (s), max count, result document ('' for none), ttl,
    /// reason, max bytes.
    static let deadLetter = RedisScript(
        name: "dead-letter",
        source: prelude + """
            dead_letter(KEYS[3], KEYS[4], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[10], ARGV[11])
            store_result(KEYS[5], ARGV[8], ARGV[9])
            acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
            unique_release(ARGV[1])  -- unique hook: dead-lettered, so its lock goes
            return 1
            """
    )

    /// Sends follow-up messages (chain steps, `link` / `link_error` callbacks) and counts them as sent, in one
    /// step: either all are stored or, on an error reply (OOM under `noeviction`, READONLY), none is, so the
    /// caller retries the whole step and only then acknowledges the parent. A target list that is not a queue
    /// (``safe_list``) is replaced by `celery`, where the message is dead-lettered with its reason at decode.
    /// KEYS: one list per message, then the sent-counter hash. ARGV: the messages, then the counter fields and increments.
    /// Returns how many messages were pushed.
    static let push = RedisScript(
        name: "push-follow-ups",
        source: prelude + """
            local count = #KEYS - 1
            local lists = {}
            for i = 1, count do lists[i] = safe_list(KEYS[i]) end
            for i = 1, count do redis.call('LPUSH', lists[i], ARGV[i]) end
            for at = count + 1, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[#KEYS], ARGV[at], tonumber(ARGV[at + 1])) end
            return count
            """
    )

    /// Sends a running task's step (``TaskSender``): runs its commands (chord preparation, LPUSHes) unless
    /// the step's marker says an earlier run of the task sent it already.
    /// KEYS: the step's marker (none: always send). ARGV: marker lifetime (s), command count, then each
    /// command as its argument count followed by its arguments. Returns 1 when sent, 0 when skipped.
    static let sendStep = RedisScript(
        name: "send-step",
        source: """
            if #KEYS > 0 and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            local at = 3
            for _ = 1, tonumber(ARGV[2]) do
              local count = tonumber(ARGV[at])
              redis.call(unpack(ARGV, at + 1, at + count))
              at = at + count + 1
            end
            -- Marked sent only after its commands ran: an error half-way leaves it unmarked, so a retry resends
            -- (a duplicate, never a loss).
            if #KEYS > 0 then redis.call('SET', KEYS[1], '1', 'EX', ARGV[1]) end
            return 1
            """
    )
}
