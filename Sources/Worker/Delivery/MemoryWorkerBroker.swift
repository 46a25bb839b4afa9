import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// ``WorkerBroker`` in memory: the same steps as ``RedisWorkerBroker``'s scripts, on plain collections, for
/// unit tests of the worker's decisions (retry, fail, dead-letter, acknowledge, hand-back order, revocation)
/// that need no Redis. Lists are kept as Redis keeps them: index 0 is the left end, a queue's head is its right end.
final class MemoryWorkerBroker: WorkerBroker {
    /// Everything the broker holds; tests read it through ``state``.
    struct State {
        var lists: [String: [String]] = [:]
        var processing: [String: [String]] = [:]
        /// Messages waiting for their ETA, with their due time (Unix seconds).
        var scheduled: [(due: Double, message: String)] = []
        var results: [String: TaskResult] = [:]
        var deadLetters: [DeadLetterEntry] = []
        /// Delivery tag → recoveries.
        var deliveries: [String: Int] = [:]
        /// Task id → until when it is revoked.
        var revoked: [String: Date] = [:]
        /// List → pop counter (``QueueArrivals``).
        var popped: [String: Int] = [:]
        var sentSteps: Set<String> = []
        var chordSizes: [String: Int] = [:]
        var chordMembers: [String: [Int: [JSONValue]]] = [:]
        var chordClaims: [String: String] = [:]
        var events: [(type: String, fields: JSONObject)] = []
    }

    /// The process whose processing list the per-process steps use.
    let processID: String
    private let store = Mutex(State())

    init(processID: String = "memory") {
        self.processID = processID
    }

    /// Reads or changes the state (a test's view of "Redis").
    func state<T>(_ body: (inout State) -> T) -> T { store.withLock { body(&$0) } }

    /// Sends `message` as a client does: LPUSH onto its bucket.
    func enqueue(_ message: TaskMessage) {
        store.withLock { $0.lists[message.listKey, default: []].insert(message.encoded(), at: 0) }
    }

    // MARK: - Take

    func take(acknowledging acks: [PendingAck], limit: Int, from lists: [String]) throws -> TakenBatch {
        store.withLock { state in
            for ack in acks { Self.acknowledge(ack, processID, &state) }
            let now = Date()
            let held = state.processing[processID, default: []]
            if !held.isEmpty || limit <= 0 {
                return TakenBatch(deliveries: held.reversed().map { Self.describe($0, now: now, state) })
            }
            for (index, list) in lists.enumerated() {
                let ready = state.lists[list, default: []]
                guard !ready.isEmpty else { continue }
                let count = min(limit, max(1, ready.count / 2))
                var deliveries: [Delivery] = []
                for _ in 0..<count {
                    guard let message = state.lists[list]?.popLast() else { break }
                    let delivery = Self.describe(message, now: now, state)
                    if delivery.recoveries > 0, !deliveries.isEmpty {
                        state.lists[list]?.append(message)  // a recovered message is taken alone
                        break
                    }
                    state.processing[processID, default: []].insert(message, at: 0)
                    deliveries.append(delivery)
                    if delivery.recoveries > 0 { break }
                }
                state.popped[list, default: 0] += deliveries.count
                return TakenBatch(list: index, deliveries: deliveries, firstPop: state.popped[list]! - deliveries.count + 1)
            }
            return TakenBatch(deliveries: [])
        }
    }

    /// Never waits: a test drives the clock. Takes one message, like the pipelined script after a timeout; reads no
    /// hash (this broker keeps no node settings).
    func idleTake(
        acknowledging acks: [PendingAck], from lists: [String], waitingOn: String, wait: Duration, readingHash: String?
    ) throws -> TakenBatch {
        try take(acknowledging: acks, limit: 1, from: lists)
    }

    func handBack(acknowledging acks: [PendingAck], waiting: [Delivery]) throws -> Int {
        store.withLock { state in
            for ack in acks { Self.acknowledge(ack, processID, &state) }
            var returned = 0
            for delivery in waiting.reversed() where Self.removeLast(delivery.raw, from: &state.processing[processID, default: []]) {
                let list = delivery.pop?.list ?? Self.bucket(of: delivery.raw)
                state.lists[list, default: []].append(delivery.raw)
                state.popped[list, default: 0] -= 1
                returned += 1
            }
            return returned
        }
    }

    // MARK: - Outcomes

    func deferUntil(_ message: String, due: Date) throws {
        store.withLock { state in
            state.scheduled.append((due.timeIntervalSince1970, message))
            _ = Self.removeLast(message, from: &state.processing[processID, default: []])
        }
    }

    func retry(_ step: RetryStep) throws -> Bool {
        store.withLock { state in
            let ack = PendingAck(message: step.message, deliveryTag: step.deliveryTag, taskID: step.state.taskID, result: nil, backend: ResultBackend())
            let held = state.processing[processID, default: []].contains(step.message)
            guard held, state.results[step.state.taskID]?.state != .success else {
                Self.acknowledge(ack, processID, &state)
                return false
            }
            state.scheduled.append((step.due.timeIntervalSince1970, step.next.encoded()))
            if step.storeState { Self.storeResult(step.state, &state) }
            Self.acknowledge(ack, processID, &state)
            return true
        }
    }

    func deadLetter(_ entry: DeadLetterEntry, message: String, deliveryTag: String, result: TaskResult?) throws {
        store.withLock { state in
            state.deadLetters.append(entry)
            if let result { Self.storeResult(result, &state) }
            let ack = PendingAck(message: message, deliveryTag: deliveryTag, taskID: entry.taskID, result: nil, backend: ResultBackend())
            Self.acknowledge(ack, processID, &state)
        }
    }

    func sendFollowUps(_ messages: [TaskMessage]) throws {
        for message in messages { enqueue(message) }
    }

    func sendStep(marker: String?, preparation: [[String]], messages: [TaskMessage], remembered: Duration) throws -> Bool {
        let first = store.withLock { state in marker.map { state.sentSteps.insert($0).inserted } ?? true }
        if first { try sendFollowUps(messages) }
        return first
    }

    func storeResult(_ result: TaskResult) throws {
        store.withLock { Self.storeResult(result, &$0) }
    }

    func joinChord(_ message: TaskMessage, state taskState: TaskState, value: JSONValue) throws -> ChordJoin.Completion? {
        guard let group = message.group else { return nil }
        let members: [[JSONValue]]? = store.withLock { state in
            guard state.chordClaims[group] != "done" else { return nil }
            state.chordMembers[group, default: [:]][message.groupIndex ?? 0] = [1, .string(message.id), .string(taskState.rawValue), value]
            let joined = state.chordMembers[group, default: [:]]
            guard let size = state.chordSizes[group], joined.count == size else { return nil }
            guard state.chordClaims[group] == nil || state.chordClaims[group] == message.id else { return nil }
            state.chordClaims[group] = message.id
            return joined.sorted { $0.key < $1.key }.map(\.value)
        }
        return members.flatMap { ChordJoin.completion(of: message, members: $0) }
    }

    /// Unique jobs are not modelled here: every message runs (their locks are tested on Redis).
    func uniqueHolder(otherThan message: TaskMessage) throws -> String? { nil }

    func finishChord(_ claim: ChordJoin.Claim, body: TaskMessage?) throws -> Bool {
        let finished = store.withLock { state in
            guard state.chordClaims[claim.groupID] == claim.token else { return false }
            state.chordClaims[claim.groupID] = "done"
            state.chordMembers[claim.groupID] = nil
            return true
        }
        if finished, let body { enqueue(body) }
        return finished
    }

    func publishEvent(_ type: String, _ fields: JSONObject) throws {
        store.withLock { $0.events.append((type, fields)) }
    }

    // MARK: - The node's steps

    func recover(processID: String, countAsDelivery: Bool, maxDeliveries: Int) throws -> Recovered {
        store.withLock { state in
            var recovered = Recovered(requeued: 0, deadLettered: 0)
            for raw in state.processing[processID, default: []].reversed() {
                let envelope = try? JSONValue.parse(raw)
                let tag = envelope?["properties"]?["delivery_tag"]?.stringValue
                var count = 0
                if countAsDelivery, let tag {
                    count = state.deliveries[tag, default: 0] + 1
                    state.deliveries[tag] = count
                }
                let reason: String? = envelope?.objectValue == nil
                    ? "unreadable message recovered from a dead worker process"
                    : countAsDelivery && count >= maxDeliveries
                        ? "poison message: delivered \(count) times and every worker process running it died" : nil
                if let reason {
                    let headers = envelope?["headers"]
                    state.deadLetters.append(DeadLetterEntry(
                        id: DeadLetterQueue.newEntryID(), reason: reason, error: nil, time: Date(), worker: processID,
                        queue: Self.bucket(of: raw), task: headers?["task"]?.stringValue ?? "", taskID: headers?["id"]?.stringValue ?? "",
                        envelope: raw
                    ))
                    if let tag { state.deliveries[tag] = nil }
                    recovered.deadLettered += 1
                } else {
                    let list = Self.bucket(of: raw)
                    state.lists[list, default: []].append(raw)
                    state.popped[list, default: 0] -= 1
                    recovered.requeued += 1
                }
            }
            state.processing[processID] = nil
            return recovered
        }
    }

    func discard(processID: String, result: TaskResult, deadLetter: KilledTaskDeadLetter?) throws {
        store.withLock { state in
            Self.storeResult(result, &state)
            for raw in state.processing[processID, default: []] {
                let headers = (try? JSONValue.parse(raw))?["headers"]
                guard headers?["id"]?.stringValue == result.taskID else {
                    state.lists[Self.bucket(of: raw), default: []].append(raw)
                    continue
                }
                if let deadLetter {
                    state.deadLetters.append(DeadLetterEntry(
                        id: DeadLetterQueue.newEntryID(), reason: deadLetter.reason, error: deadLetter.error, time: Date(),
                        worker: processID, queue: Self.bucket(of: raw), task: headers?["task"]?.stringValue ?? "",
                        taskID: result.taskID, envelope: raw
                    ))
                }
            }
            state.processing[processID] = nil
        }
    }

    func promoteDue(now: Date, limit: Int) throws -> Int {
        store.withLock { state in
            state.scheduled.sort { $0.due < $1.due }
            let due = state.scheduled.prefix { $0.due <= now.timeIntervalSince1970 }.prefix(limit)
            state.scheduled.removeFirst(due.count)
            for entry in due { state.lists[Self.bucket(of: entry.message), default: []].append(entry.message) }
            return due.count
        }
    }

    // MARK: - Helpers (the Lua prelude's, in Swift)

    private static func describe(_ raw: String, now: Date, _ state: State) -> Delivery {
        let envelope = try? JSONValue.parse(raw)
        let id = envelope?["headers"]?["id"]?.stringValue
        let tag = envelope?["properties"]?["delivery_tag"]?.stringValue
        let revoked = id.flatMap { state.revoked[$0] }.map { $0 > now } ?? false
        return Delivery(raw: raw, revoked: revoked, recoveries: tag.flatMap { state.deliveries[$0] } ?? 0)
    }

    /// Stores the result of `ack` (unless SUCCESS is stored) and removes its message from the processing list.
    private static func acknowledge(_ ack: PendingAck, _ processID: String, _ state: inout State) {
        if let document = ack.document, let result = try? TaskResult.decode(document, taskID: "") {
            storeResult(result, &state)
        }
        _ = removeLast(ack.message, from: &state.processing[processID, default: []])
        if !ack.deliveryTag.isEmpty { state.deliveries[ack.deliveryTag] = nil }
    }

    private static func storeResult(_ result: TaskResult, _ state: inout State) {
        guard state.results[result.taskID]?.state != .success else { return }
        state.results[result.taskID] = result
    }

    /// `LREM list -1 message`: removes the rightmost copy; returns whether there was one.
    private static func removeLast(_ message: String, from list: inout [String]) -> Bool {
        guard let index = list.lastIndex(of: message) else { return false }
        list.remove(at: index)
        return true
    }

    /// The bucket a message belongs to (the Lua `bucket_key`); `celery` for one that does not decode.
    private static func bucket(of raw: String) -> String {
        (try? TaskMessage.decode(raw, maxBytes: .max))?.listKey ?? "celery"
    }
}
