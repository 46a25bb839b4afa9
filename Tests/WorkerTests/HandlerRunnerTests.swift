import Broker
import Foundation
import Logging
import TaskAPI
import TestSupport
import Testing

@testable import Worker

/// The worker thread as a task executor: handlers that never suspend, handlers that hop to other
/// executors and come back, and the soft time limit firing while a handler waits.
@Suite struct HandlerRunnerTests {
    let context = TaskContext(taskID: "t-1", name: "test.task", queue: "celery", hostname: "test@host", logger: Logger(label: "test"))

    /// Runs `body` on a thread of its own, as the worker loop does (never on the cooperative pool).
    func onWorkerThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    @Test func aHandlerThatNeverSuspendsRunsOnTheCallingThread() async throws {
        let runner = HandlerRunner()
        let context = self.context
        let (result, fired) = await onWorkerThread {
            let caller = pthread_self()
            return runner.run({ arguments, _ in
                .bool(pthread_equal(pthread_self(), caller) != 0 && arguments.args == [.int(1)])
            }, TaskArguments(args: [.int(1)]), context, softLimit: nil)
        }
        #expect(try result.get() == .bool(true))
        #expect(!fired)
    }

    actor Counter {
        var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }

    @Test func aHandlerThatSuspendsAndHopsToAnActorComesBackAndFinishes() async throws {
        let runner = HandlerRunner()
        let counter = Counter()
        let context = self.context
        let results = await onWorkerThread {
            (0..<3).map { _ in
                runner.run({ _, _ in
                    try await Task.sleep(for: .milliseconds(5))
                    return .int(await counter.increment())
                }, TaskArguments(), context, softLimit: .seconds(30)).0
            }
        }
        #expect(try results.map { try $0.get() } == [.int(1), .int(2), .int(3)])
    }

    @Test func theSoftLimitCancelsAWaitingHandler() async throws {
        let runner = HandlerRunner()
        let context = self.context
        let (result, fired) = await onWorkerThread {
            runner.run({ _, _ in
                try await Task.sleep(for: .seconds(30))
                return .null
            }, TaskArguments(), context, softLimit: .milliseconds(100))
        }
        #expect(fired)
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test func aTaskTheHandlerLeftRunningFinishesWhileNoHandlerRuns() async throws {
        let runner = HandlerRunner()
        let context = self.context
        let finished = Locked(false)
        let (result, _) = await onWorkerThread {
            runner.run({ _, _ in
                Task {  // unstructured: not tied to the runner's thread, so it need not wait for another handler
                    try? await Task.sleep(for: .milliseconds(20))
                    finished.withLock { $0 = true }
                }
                return .null
            }, TaskArguments(), context, softLimit: nil)
        }
        #expect(try result.get() == .null)
        try await poll(timeout: .seconds(5), "the handler's task to finish without another handler") {
            finished.withLock { $0 }
        }
    }

    @Test func errorsComeBackAsFailures() async throws {
        let runner = HandlerRunner()
        let context = self.context
        let (result, _) = await onWorkerThread {
            runner.run({ _, _ in throw TaskError(type: "ValueError", message: "bad") }, TaskArguments(), context, softLimit: nil)
        }
        #expect(throws: TaskError.self) { try result.get() }
    }
}
