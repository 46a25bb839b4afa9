import ArgumentParser
import Broker
import CelerityCLI
import Operations
import Worker

extension QueuesCommand {
    /// `celerity queues pause Q`: the fetch takes nothing from Q until it is resumed; producers keep sending.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a queue cluster-wide: workers take nothing from it; it keeps accepting messages."
        )

        @OptionGroup var redis: RedisOptions

        @Argument(help: "The queue to pause.")
        var queue: String

        func run() async throws {
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let queue = self.queue
            let changed = try await client.withConnection { try QueuePause.pause(queue, on: $0) }
            print(changed ? "paused \(queue)" : "\(queue) was already paused")
        }
    }

    /// `celerity queues resume Q`.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused queue: workers take from it again.")

        @OptionGroup var redis: RedisOptions

        @Argument(help: "The queue to resume.")
        var queue: String

        func run() async throws {
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let queue = self.queue
            let changed = try await client.withConnection { try QueuePause.resume(queue, on: $0) }
            print(changed ? "resumed \(queue)" : "\(queue) was not paused")
        }
    }
}
