import Broker
import Dispatch
import Logging
import Synchronization
import TaskAPI

#if canImport(Glibc)
import Glibc
#endif

/// Runs task handlers (async functions) on the worker process's own thread.
///
/// The worker loop's thread is the handler's task executor: the handler's synchronous stretches run
/// right there, so a task that does not suspend costs no thread hop and no wake-up. When a handler
/// awaits something else (an actor, a timer, I/O on another executor), it comes back through
/// ``enqueue(_:)``, which wakes the loop thread. Soft time limits cancel the handler's task from a
/// timer on another thread, so they fire on time even while the handler runs.
///
/// `@unchecked Sendable` is sound: `jobs` and `outcome`, the only mutable state, are read and written only with
/// `mutex` held. A pthread mutex and condition rather than `Mutex`: the loop thread sleeps on the condition
/// between jobs, which `Mutex` cannot do.
final class HandlerRunner: TaskExecutor, @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var outcome: Result<JSONValue, any Error>?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `handler` to completion on the calling thread (the worker loop) and returns what it
    /// returned or threw, and whether the soft limit fired (the handler's task was then cancelled).
    func run(
        _ handler: @escaping @Sendable (TaskArguments, TaskContext) async throws -> JSONValue,
        _ arguments: TaskArguments, _ context: TaskContext, softLimit: Duration?
    ) -> (Result<JSONValue, any Error>, softLimitFired: Bool) {
        let task = Task(executorPreference: self) { [self] in
            let result: Result<JSONValue, any Error>
            do {
                result = .success(try await handler(arguments, context))
            } catch {
                result = .failure(error)
            }
            finish(result)
        }
        let softLimitTimer = softLimit.map { limit in SoftLimitTimer(limit: limit, task: task, logger: context.logger) }
        let result = runJobsUntilFinished()
        let fired = softLimitTimer?.disarm() ?? false
        return (result, fired)
    }

    private func finish(_ result: Result<JSONValue, any Error>) {
        pthread_mutex_lock(mutex)
        outcome = result
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func runJobsUntilFinished() -> Result<JSONValue, any Error> {
        pthread_mutex_lock(mutex)
        while true {
            if let result = outcome {
                outcome = nil
                pthread_mutex_unlock(mutex)
                return result
            }
            if jobs.isEmpty {
                pthread_cond_wait(condition, mutex)
                continue
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(mutex)
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            pthread_mutex_lock(mutex)
        }
    }
}

/// Cancels a handler's task when its soft time limit passes, from a dispatch timer.
/// (`@unchecked`: the timer is set up and cancelled by the worker thread; its handler only touches `fired`.)
private final class SoftLimitTimer: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let fired = Atomic<Bool>(false)

    init(limit: Duration, task: Task<Void, Never>, logger: Logger) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .nanoseconds(limit.clampedNanoseconds))
        timer.setEventHandler { [self] in
            fired.store(true, ordering: .relaxed)
            logger.warning("soft time limit exceeded; cancelling task", metadata: ["task.soft_limit": "\(limit.seconds)"])
            task.cancel()
        }
        timer.resume()
    }

    /// Stops the timer; returns whether it fired.
    func disarm() -> Bool {
        timer.cancel()
        return fired.load(ordering: .relaxed)
    }
}
