import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Operations

/// `celerity status [--json] [-Q a,b]`: one screen for on-call.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen for on-call: queues (depth by priority, oldest age, in/out rates), workers, dead letters, ETA set, schedules, job families.",
        discussion: "Queues are those of -Q, those Celery clients declared (kombu bindings) and those of live workers. "
            + "The same view is served as a page at / on every worker's metrics port."
    )

    @OptionGroup var redis: RedisOptions

    @Option(name: [.customShort("Q"), .long], help: "Comma-separated queues to show even when nobody declared them.")
    var queues: String = "celery"

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Seconds between the two reads that give the in, out and change rates (0: one read, no rates).")
    var rateInterval: Double = 1

    func run() async throws {
        let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        let queues = self.queues.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        let interval = try CheckedOption.seconds(rateInterval, name: "--rate-interval", in: 0...3600)
        let report = try await client.withConnection { connection in
            let scrape = ClusterScrape(connection: connection, queues: queues, leaseTimeout: .seconds(10))
            var report = try StatusReport.read(scrape: scrape, on: connection)
            if interval > .zero {
                PosixThread.sleep(for: interval)
                report = try StatusReport.read(scrape: scrape, on: connection, previous: report)
            }
            return report
        }
        print(json ? report.json().serialized : report.text())
    }
}
