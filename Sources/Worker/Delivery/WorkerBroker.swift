import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The seam between a worker and the broker: one method per delivery step, each one atomic, so a process killed
/// at any instant leaves every message in exactly one place — a ready list, a processing list, the ETA set or the
/// dead-letter queue. ``RedisWorkerBroker`` runs each step as one Lua script (the script sits beside its method);
/// ``MemoryWorkerBroker`` is its in-memory twin, for testing the worker's decisions without Redis.
///
/// The per-process steps (take, hand back, defer, retry, dead-letter, follow-ups) act on the processing list of
/// the process the broker was made for; the node's steps (recover, discard, promote) name the process.
protocol WorkerBroker: AnyObject, Sendable {
    /// Stores the results of `acknowledging` and acknowledges their messages, then returns what the processing
    /// list holds, taking up to `limit` messages from the first non-empty list of `lists` first when it is empty
    /// (`limit` 0: only re-read what it holds, checking revocation again).
    func take(acknowledging: [PendingAck], limit: Int, from lists: [String]) throws -> TakenBatch

    /// ``take(acknowledging:limit:from:)`` with nothing ready: waits up to `wait` for a message on `waitingOn`
    /// (one of `lists`), then takes one from the first non-empty list, and reads the hash `readingHash` (the node's
    /// settings, ``TakenBatch/hashFields``), in one round trip.
    func idleTake(
        acknowledging: [PendingAck], from lists: [String], waitingOn: String, wait: Duration, readingHash: String?
    ) throws -> TakenBatch

    /// Stores the results of `acknowledging` and acknowledges their messages, then puts `waiting` (next to run
    /// first) back at the head of the lists they came from. Returns how many went back.
    @discardableResult
    func handBack(acknowledging: [PendingAck], waiting: [Delivery]) throws -> Int

    /// Moves `message` from the processing list to the ETA set, due at `due`.
    func deferUntil(_ message: String, due: Date) throws

    /// Schedules `step.next` for `step.due`, stores the RETRY state and acknowledges the old message — unless the
    /// process no longer holds it or the task succeeded elsewhere. Returns whether the retry was scheduled.
    @discardableResult
    func retry(_ step: RetryStep) throws -> Bool

    /// Dead-letters `message` from the processing list with `entry`, storing `result` first when given.
    func deadLetter(_ entry: DeadLetterEntry, message: String, deliveryTag: String, result: TaskResult?) throws

    /// Sends follow-up messages (chain steps, callbacks), all or none, counted as sent.
    func sendFollowUps(_ messages: [TaskMessage]) throws

    /// Runs a task's step (``TaskSender``): its `preparation` commands (a chord's counters), then sends `messages`
    /// counted as sent, unless `marker` says an earlier run sent them already (it is then kept for `remembered`).
    /// Returns whether it sent them.
    func sendStep(marker: String?, preparation: [[String]], messages: [TaskMessage], remembered: Duration) throws -> Bool

    /// Stores a result unless SUCCESS is already stored (STARTED, a chain's abandoned tasks, a failed chord body).
    func storeResult(_ result: TaskResult) throws

    /// Adds a chord header member's outcome; when it completes the chord, returns what to do with the body.
    func joinChord(_ message: TaskMessage, state: TaskState, value: JSONValue) throws -> ChordJoin.Completion?

    /// Sends the chord's body (`nil`: it failed, its result is stored) and marks the chord done, once.
    /// Returns whether this call did it (`false`: an earlier run of the completing member did).
    @discardableResult
    func finishChord(_ claim: ChordJoin.Claim, body: TaskMessage?) throws -> Bool

    /// Claims the lock of a unique job (a `celerity_unique` header, docs/flow-control.md) for `message`.
    /// Returns the id of the job that holds it when that is another job (`message` is a duplicate), else `nil`.
    func uniqueHolder(otherThan message: TaskMessage) throws -> String?

    /// Publishes a Celery task event (best effort: the caller ignores a failure).
    func publishEvent(_ type: String, _ fields: JSONObject) throws

    /// Returns a dead process's messages to the head of their queues, or dead-letters those delivered
    /// `maxDeliveries` times, then forgets the process.
    @discardableResult
    func recover(processID: String, countAsDelivery: Bool, maxDeliveries: Int) throws -> Recovered

    /// Drops the running message of a process killed on purpose, storing `result` — or, with `deadLetter`, keeps
    /// it in the dead-letter queue with that reason — and returns the rest of what the process held to the head
    /// of its queues, in order; then forgets the process.
    func discard(processID: String, result: TaskResult, deadLetter: KilledTaskDeadLetter?) throws

    /// Moves up to `limit` messages whose ETA has come from the ETA set to the head of their queues.
    /// Returns how many moved.
    func promoteDue(now: Date, limit: Int) throws -> Int
}

/// A message taken into a worker process's processing list.
struct Delivery: Sendable, Equatable {
    var raw: String
    /// Whether the task is revoked (checked by the step that took the message, or checked it again).
    var revoked: Bool
    /// How many times the message was recovered from a process that died running it.
    var recoveries: Int
    /// The ready list it was popped from and its pop number there (``QueueArrivals``); `nil` when held already.
    var pop: Pop? = nil

    /// Where a message was popped: its list and its pop number there.
    struct Pop: Sendable, Equatable {
        var list: String
        var number: Int
    }
}

/// A finished task whose result is stored, and whose message is acknowledged, by the next step ("ack later").
struct PendingAck: Sendable, Equatable {
    /// The message, exactly as taken.
    var message: String
    var deliveryTag: String
    /// The key its result goes to.
    var resultKey: String
    /// The result document, or `nil` for none (`ignore_result`, or stored already).
    var document: String?
    /// The result's time to live in whole seconds; 0 = forever.
    var timeToLive: Int

    /// The acknowledgement of `message` (delivery tag `deliveryTag`), storing `result` in `backend` first.
    init(message: String, deliveryTag: String, taskID: String, result: TaskResult?, backend: ResultBackend) {
        self.message = message
        self.deliveryTag = deliveryTag
        self.resultKey = ResultBackend.key(taskID: result?.taskID ?? taskID)
        self.document = result?.encoded()
        self.timeToLive = backend.timeToLive.map { max(1, Int($0.seconds.rounded(.up))) } ?? 0
    }
}

/// What a take step returned: the messages to run, in order, and where they came from.
struct TakenBatch: Sendable, Equatable {
    /// The index in `lists` of the ready list they were taken from; `nil` when they were held already.
    var list: Int?
    var deliveries: [Delivery]
    /// The pop number of the first message taken from a ready list (the rest follow it).
    var firstPop: Int?
    /// The message a blocking wait moved from `lists[0]`, and its pop number (0: not counted)
    /// (``WorkerBroker/idleTake(acknowledging:from:waitingOn:wait:readingHash:)``).
    var blockingPop: (message: String, number: Int)?
    /// The fields and values of the hash an idle take read after its wait (`HGETALL`); `nil` when none was read.
    var hashFields: [String]? = nil

    static func == (lhs: TakenBatch, rhs: TakenBatch) -> Bool {
        lhs.list == rhs.list && lhs.deliveries == rhs.deliveries && lhs.firstPop == rhs.firstPop
            && lhs.blockingPop?.message == rhs.blockingPop?.message && lhs.blockingPop?.number == rhs.blockingPop?.number
            && lhs.hashFields == rhs.hashFields
    }
}

/// A retry: the old message is acknowledged and `next` scheduled for `due`, with the RETRY state stored.
struct RetryStep: Sendable {
    var message: String
    var deliveryTag: String
    var next: TaskMessage
    var due: Date
    /// The RETRY state, stored under its task id unless `storeState` is false (`ignore_result`).
    var state: TaskResult
    var storeState: Bool
}

/// What a recovery did.
/// Why the message of a process killed on purpose is kept in the dead-letter queue instead of dropped
/// (`--task-memory-limit`: reason `memory`).
struct KilledTaskDeadLetter: Sendable, Equatable {
    /// The entry's reason, e.g. `memory`.
    var reason: String
    /// The entry's error: what happened to the task.
    var error: String
}

struct Recovered: Sendable, Equatable {
    var requeued: Int
    var deadLettered: Int
}
