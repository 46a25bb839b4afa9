import Broker
import Foundation
import Logging
import Operations
import Synchronization
import TaskAPI
import Testing

@testable import Worker

/// The worker's decisions on the in-memory broker (issue 23, part 1): what a run stores, acknowledges, retries,
/// dead-letters and hands back, and what it announces — without Redis, so the whole suite runs in well under 5 s.
@Suite struct MemoryDeliveryTests {
    struct Boom: Error {}

    /// Records what the middleware hears.
    final class Heard: TaskMiddleware, Sendable {
        let outcomes = Mutex<[TaskOutcome]>([])
        func taskWillRun(_ context: TaskContext) {}
        func taskDidFinish(_ context: TaskContext, outcome: TaskOutcome) { outcomes.withLock { $0.append(outcome) } }
    }

    /// One worker process's handler on a ``MemoryWorkerBroker``, driven step by step.
    final class Harness: @unchecked Sendable {
        let broker = MemoryWorkerBroker(processID: "p1")
        let heard = Heard()
        let reports = Mutex<[WorkerEvent]>([])
        let acks = Mutex<[PendingAck]>([])
        private(set) var handler: DeliveryHandler!
        let lists = ["celery"]

        init(_ tasks: [TaskDefinition]) throws {
            var registry = try TaskRegistry(tasks)
            registry.use(heard)
            var configuration = WorkerConfiguration(redis: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 1)))
            configuration.sendTaskEvents = true
            handler = DeliveryHandler(
                configuration: configuration, registry: registry, processID: "p1", logger: Logger(label: "test"), broker: broker,
                tellSupervisor: { event in self.reports.withLock { $0.append(event) } },
                acknowledgeLater: { ack in self.acks.withLock { $0.append(ack) } },
                nodeSettings: NodeSettingsReader(node: configuration.nodeName)
            )
        }

        /// Takes up to `limit` messages (acknowledging what finished) and runs the first, on a thread of its own as
        /// the worker loop does. Returns the messages that were taken.
        @discardableResult
        func runNext(limit: Int = 1) async throws -> [Delivery] {
            let pending = acks.withLock { acks in defer { acks = [] }; return acks }
            let taken = try broker.take(acknowledging: pending, limit: limit, from: lists).deliveries
            guard let first = taken.first else { return [] }
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                Thread { [self] in done.resume(with: Result { try handler.handle(first) }) }.start()
            }
            return taken
        }

        /// Acknowledges what finished (the next take's first half).
        func flush() throws {
            let pending = acks.withLock { acks in defer { acks = [] }; return acks }
            _ = try broker.take(acknowledging: pending, limit: 0, from: lists)
        }

        var finished: [TaskReport] {
            reports.withLock { $0.compactMap { if case .finished(let report) = $0 { report } else { nil } } }
        }
    }

    static let add = TaskDefinition("test.add") { arguments, _ in
        .int((arguments.args.first?.intValue ?? 0) + (arguments.args.last?.intValue ?? 0))
    }
    static let flaky = TaskDefinition("test.flaky", retry: .exponential(maxRetries: 2, base: .seconds(1), jitter: false)) { _, _ in
        throw Boom()
    }
    static let broken = TaskDefinition("test.broken") { _, _ in throw Boom() }

    @Test func aSuccessIsStoredThenAcknowledgedAndAnnouncedOnce() async throws {
        let h = try Harness([Self.add])
        let message = TaskMessage.make(task: "test.add", args: [2, 3])
        h.broker.enqueue(message)
        try await h.runNext()
        #expect(h.broker.state { $0.results[message.id] } == nil, "stored only by the next step, with the acknowledgement")
        #expect(h.broker.state { $0.processing["p1"]?.count } == 1)
        try h.flush()
        #expect(h.broker.state { $0.results[message.id]?.state } == .success)
        #expect(h.broker.state { $0.results[message.id]?.result } == .int(5))
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty)
        #expect(h.finished.map(\.outcome) == [.succeeded])
        #expect(h.heard.outcomes.withLock { $0.count } == 1)
        #expect(h.broker.state { $0.events.map(\.type) } == ["task-received", "task-started", "task-succeeded"])
    }

    @Test func aFailureWithoutRetryStoresFailureAndAcknowledges() async throws {
        let h = try Harness([Self.broken])
        let message = TaskMessage.make(task: "test.broken")
        h.broker.enqueue(message)
        try await h.runNext()
        try h.flush()
        #expect(h.broker.state { $0.results[message.id]?.state } == .failure)
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty)
        #expect(h.broker.state { $0.deadLetters }.isEmpty)
        #expect(h.finished.map(\.outcome) == [.failed])
        #expect(h.finished.first?.exception == "Boom")
    }

    @Test func aRetryIsScheduledWithItsCountAndTheOldMessageAcknowledged() async throws {
        let h = try Harness([Self.flaky])
        let message = TaskMessage.make(task: "test.flaky")
        h.broker.enqueue(message)
        try await h.runNext()
        let scheduled = h.broker.state { $0.scheduled }
        #expect(scheduled.count == 1)
        let next = try TaskMessage.decode(scheduled[0].message)
        #expect(next.id == message.id && next.retries == 1)
        #expect(scheduled[0].due > Date().timeIntervalSince1970 + 0.5)
        #expect(h.broker.state { $0.results[message.id]?.state } == .retry)
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty, "the retry step acknowledges at once")
        #expect(h.finished.map(\.outcome) == [.retried])
    }

    @Test func exhaustedRetriesDeadLetterWithTheReasonAndStoreFailure() async throws {
        let h = try Harness([Self.flaky])
        let retried = TaskMessage.make(task: "test.flaky").retried(eta: Date()).retried(eta: Date())
        var due = retried
        due.headers["eta"] = nil
        h.broker.enqueue(due)
        try await h.runNext()
        let entries = h.broker.state { $0.deadLetters }
        #expect(entries.map(\.reason) == ["retries exhausted after 2 retries"])
        #expect(entries.first?.taskID == due.id)
        #expect(h.broker.state { $0.results[due.id]?.state } == .failure)
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty)
        #expect(h.finished.map(\.deadLetter) == [.retriesExhausted])
        guard case .deadLettered(let reason, _)? = h.heard.outcomes.withLock({ $0.first }) else {
            Issue.record("the middleware must hear of the dead letter")
            return
        }
        #expect(reason == "retries exhausted after 2 retries")
    }

    @Test func anUnknownTaskIsDeadLetteredAndNotRegisteredStored() async throws {
        let h = try Harness([Self.add])
        let message = TaskMessage.make(task: "test.nobody")
        h.broker.enqueue(message)
        try await h.runNext()
        #expect(h.broker.state { $0.deadLetters.map(\.reason) } == ["unknown task name \"test.nobody\""])
        #expect(h.broker.state { $0.results[message.id]?.state } == .failure)
        #expect(h.finished.map(\.outcome) == [.rejected])
        #expect(h.finished.map(\.deadLetter) == [.unknownTask])
    }

    @Test func aMalformedMessageIsDeadLetteredWithItsReasonAndNoMiddlewareHearsOfIt() async throws {
        let h = try Harness([Self.add])
        h.broker.state { $0.lists["celery"] = ["{\"not\": \"celery\"}"] }
        try await h.runNext()
        #expect(h.broker.state { $0.deadLetters.count } == 1)
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty)
        #expect(h.finished.map(\.deadLetter) == [.malformed])
        #expect(h.heard.outcomes.withLock { $0.isEmpty })
    }

    @Test func aRevokedMessageIsNotRunAndStoresRevoked() async throws {
        let h = try Harness([Self.broken])
        let message = TaskMessage.make(task: "test.broken")
        h.broker.enqueue(message)
        h.broker.state { $0.revoked[message.id] = Date().addingTimeInterval(60) }
        try await h.runNext()
        try h.flush()
        #expect(h.broker.state { $0.results[message.id]?.state } == .revoked)
        #expect(h.finished.map(\.outcome) == [.revoked])
        #expect(h.heard.outcomes.withLock { $0 } == [.revoked(reason: "revoked")])
    }

    @Test func aFutureEtaGoesToTheEtaSetAndComesBackWhenDue() async throws {
        let h = try Harness([Self.add])
        let message = TaskMessage.make(task: "test.add", options: TaskOptions(eta: Date().addingTimeInterval(60)))
        h.broker.enqueue(message)
        try await h.runNext()
        #expect(h.broker.state { $0.scheduled.count } == 1)
        #expect(h.broker.state { $0.processing["p1"] ?? [] }.isEmpty)
        #expect(try h.broker.promoteDue(now: Date(), limit: 100) == 0)
        #expect(try h.broker.promoteDue(now: Date().addingTimeInterval(61), limit: 100) == 1)
        #expect(h.broker.state { $0.lists["celery"]?.count } == 1)
        #expect(h.finished.isEmpty, "a deferred message is not done")
    }

    @Test func aHandedBackBatchIsTakenAgainInTheSameOrder() throws {
        let broker = MemoryWorkerBroker(processID: "p1")
        let messages = (0..<8).map { TaskMessage.make(task: "test.add", args: [.int($0)]) }
        for message in messages { broker.enqueue(message) }
        let first = try broker.take(acknowledging: [], limit: 16, from: ["celery"])
        #expect(first.deliveries.map(\.raw) == messages.prefix(4).map { $0.encoded() }, "half the backlog, oldest first")
        #expect(first.firstPop == 1)
        var waiting = first.deliveries
        waiting[0].pop = Delivery.Pop(list: "celery", number: 1)
        #expect(try broker.handBack(acknowledging: [], waiting: Array(waiting.dropFirst())) == 3)
        let again = try broker.take(acknowledging: [], limit: 16, from: ["celery"])
        #expect(again.deliveries.map(\.raw) == [messages[0].encoded()], "the running message is still held")
        let ack = PendingAck(message: messages[0].encoded(), deliveryTag: messages[0].deliveryTag, taskID: messages[0].id, result: nil, backend: ResultBackend())
        let next = try broker.take(acknowledging: [ack], limit: 16, from: ["celery"])
        #expect(next.deliveries.map(\.raw) == messages[1...3].map { $0.encoded() }, "handed back to the head, in order")
    }

    @Test func aDeadProcessesMessagesAreRequeuedThenDeadLetteredAsPoison() throws {
        let broker = MemoryWorkerBroker(processID: "p1")
        let message = TaskMessage.make(task: "test.add")
        broker.enqueue(message)
        for delivery in 1...2 {
            let taken = try broker.take(acknowledging: [], limit: 1, from: ["celery"])
            #expect(taken.deliveries.first?.recoveries == delivery - 1)
            let recovered = try broker.recover(processID: "p1", countAsDelivery: true, maxDeliveries: 2)
            #expect(recovered == (delivery < 2 ? Recovered(requeued: 1, deadLettered: 0) : Recovered(requeued: 0, deadLettered: 1)))
        }
        #expect(broker.state { $0.deadLetters.first?.reason.hasPrefix("poison message: delivered 2 times") } == true)
        #expect(broker.state { $0.lists["celery"] ?? [] }.isEmpty)
    }

    @Test func aRetryAfterTheMessageWasRecoveredSchedulesNothing() throws {
        let broker = MemoryWorkerBroker(processID: "p1")
        let message = TaskMessage.make(task: "test.add")
        broker.enqueue(message)
        _ = try broker.take(acknowledging: [], limit: 1, from: ["celery"])
        _ = try broker.recover(processID: "p1", countAsDelivery: true, maxDeliveries: 3)
        let step = RetryStep(
            message: message.encoded(), deliveryTag: message.deliveryTag, next: message.retried(eta: Date()), due: Date(),
            state: TaskResult(taskID: message.id, state: .retry, result: .null, traceback: nil, dateDone: nil), storeState: true
        )
        #expect(try broker.retry(step) == false)
        #expect(broker.state { $0.scheduled.isEmpty })
    }
}
