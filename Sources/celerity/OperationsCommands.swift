import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Operations
import Worker

/// `celerity workers`: the worker nodes registered in Redis.
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List live worker nodes: host, pid, queues, concurrency, processed count, current task per process."
    )

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        let workers = try await client.withConnection { try WorkerRegistry.list(on: $0) }
        if workers.isEmpty {
            print("no live workers")
            return
        }
        for worker in workers {
            let uptime = Int(Date().timeIntervalSince(worker.started))
            print(
                "\(worker.node)  host=\(worker.host) pid=\(worker.pid) queues=\(worker.queues.joined(separator: ",")) "
                    + "concurrency=\(worker.concurrency) processed=\(worker.processed) up=\(uptime)s"
            )
            for (slot, current) in worker.current.enumerated() { print("  process \(slot): \(current)") }
        }
    }
}

/// `celerity revoke ID [--terminate]`.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a task: it will not start (also on workers started later); --terminate kills it if running."
    )

    @OptionGroup var redis: RedisOptions

    @Argument(help: "The task id.")
    var id: String

    @Flag(help: "Also kill the worker process running it (its result becomes REVOKED 'terminated').")
    var terminate = false

    @Option(help: "Seconds the revocation is remembered.")
    var ttl: Double = 86400

    func run() async throws {
        let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        let revocations = Revocations(timeToLive: try CheckedOption.seconds(ttl, name: "--ttl", in: 1...315_360_000))
        let (id, terminate) = (self.id, self.terminate)
        try await client.withConnection { connection in
            try revocations.revoke(taskID: id, terminate: terminate, backend: ResultBackend(), on: connection)
        }
        print("revoked \(id)\(terminate ? " (terminate)" : "")")
    }
}

/// `celerity dlq list|show|requeue|purge`.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect and act on the dead-letter queue.",
        subcommands: [List.self, Show.self, Requeue.self, Purge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead-lettered messages, newest first (id, time, task, reason; `dlq show` prints one whole)."
        )
        @OptionGroup var redis: RedisOptions
        @Option(help: "At most this many entries (one page).") var limit = 50
        @Option(help: "Skip this many of the newest entries: the next page starts at --offset <offset + limit>.") var offset = 0

        func run() async throws {
            // Checked before `offset + limit` is computed: Int.max must not overflow.
            let limit = try CheckedOption.whole(self.limit, name: "--limit", in: 1...10_000)
            let offset = try CheckedOption.whole(self.offset, name: "--offset", in: 0...1_000_000_000)
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let (entries, total) = try await client.withConnection { connection in
                (try DeadLetterQueue().summaries(limit: limit, offset: offset, on: connection), try DeadLetterQueue().count(on: connection))
            }
            print("\(total) dead-lettered message(s)")
            if !entries.isEmpty, offset > 0 || offset + entries.count < total {
                let next = offset + entries.count < total ? "; next page: --offset \(offset + entries.count)" : ""
                print("showing \(offset + 1)–\(offset + entries.count), newest first\(next)")
            }
            for entry in entries {
                let when = CeleryTime.format(entry.time)
                let task = entry.task.isEmpty ? "?" : entry.task
                print("\(entry.id)  \(when)  \(task) \(entry.taskID.isEmpty ? "-" : entry.taskID)  \(entry.reason)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one entry with its original envelope.")
        @OptionGroup var redis: RedisOptions
        @Argument(help: "The entry id (from `dlq list`).") var id: String

        func run() async throws {
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let id = self.id
            guard let entry = try await client.withConnection({ try DeadLetterQueue().entry(id: id, on: $0) }) else {
                throw CommandError("no dead-letter entry \(id)")
            }
            print("id:       \(entry.id)")
            print("time:     \(CeleryTime.format(entry.time))")
            print("reason:   \(entry.reason)")
            print("error:    \(entry.error ?? "-")")
            print("task:     \(entry.task.isEmpty ? "-" : entry.task) \(entry.taskID)")
            print("queue:    \(entry.queue.replacingOccurrences(of: PriorityBuckets.separator, with: " priority>="))")
            print("worker:   \(entry.worker)")
            print("envelope: \(entry.envelope)")
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put entries back on their queues.")
        @OptionGroup var redis: RedisOptions
        @Argument(help: "Entry ids.") var ids: [String] = []
        @Flag(help: "Requeue every entry.") var all = false

        func validate() throws {
            if ids.isEmpty != all { throw ValidationError("name entry ids or --all (not both)") }
        }

        func run() async throws {
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let (ids, all) = (self.ids, self.all)
            let count = try await client.withConnection { connection in
                all ? try DeadLetterQueue().requeueAll(on: connection) : try DeadLetterQueue().requeue(ids: ids, on: connection)
            }
            print("requeued \(count) message(s)")
            if !all, count < ids.count { throw CommandError("\(ids.count - count) id(s) not found in the dead-letter queue") }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every entry.")
        @OptionGroup var redis: RedisOptions

        func run() async throws {
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let count = try await client.withConnection { try DeadLetterQueue().purge(on: $0) }
            print("purged \(count) message(s)")
        }
    }
}
