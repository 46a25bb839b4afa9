import Broker
import Foundation
import Operations
import TestSupport
import Testing

@testable import Worker

/// Issue 22, part 3: the oldest-message age keeps no message content in Redis (a digest and an arrival number
/// per sample), and stays a lower bound when messages are consumed, by a counting consumer or not.
@Suite("queue sampling")
struct QueueSamplingTests {
    /// A message that carries a marker and 4 KiB of body, so a copy in the samples would show.
    static func message(_ marker: String) -> String {
        TaskMessage.make(task: "demo.add", args: [.string(marker + String(repeating: "x", count: 4096))]).encoded()
    }

    @Test("samples hold a time, an arrival number and a digest, never the message; the age follows consumption")
    func samplesKeepNoContent() async throws {
        try await withRedisServer { redis in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: redis.url))
            let scrape = ClusterScrape(connection: connection, queues: ["q"], leaseTimeout: .seconds(10))
            func age(at seconds: Double) throws -> Double? {
                try scrape.read(now: Date(timeIntervalSince1970: seconds)).queues.first { $0.name == "q" }?.oldestAge
            }
            let samples = QueueSampling.samplesKey("q")
            // A sample list an older version wrote (the message itself): dropped on the first read, never counted.
            let first = Self.message("MARKER-first-")
            _ = try redis.command(["LPUSH", samples, "500 " + first])
            _ = try redis.command(["LPUSH", "q", first])
            #expect(try age(at: 1000) == 0)
            _ = try redis.command(["LPUSH", "q", Self.message("MARKER-second-")])
            #expect(try age(at: 1010) == 10, "the first message, seen at 1000, is still queued")

            let stored = (try redis.command(["LRANGE", samples, "0", "-1"]).array ?? []).compactMap(\.string)
            #expect(stored.count == 2)
            for sample in stored {
                #expect(!sample.contains("MARKER") && sample.utf8.count < 80, "a sample holds message content: \(sample.prefix(100))")
                #expect(sample.split(separator: " ").count == 3 && sample.split(separator: " ").last?.utf8.count == 40)
            }

            // A consumer that does not count its pops (RPOP, as a Celery worker): the age restarts from the second.
            _ = try redis.command(["RPOP", "q"])
            #expect(try age(at: 1020) == 10, "the second message, seen at 1010, is the oldest")
            // Celerity's fetch counts its pop: the queue is empty, no age, no samples.
            _ = try redis.command(["INCR", QueueArrivals.poppedKey("q")])
            _ = try redis.command(["RPOP", "q"])
            #expect(try age(at: 1030) == nil)
            #expect(try redis.command(["EXISTS", samples]).integer == 0)
        }
    }

    @Test("a backlog behind counted pops keeps its bound; every sample stays small")
    func countedPops() async throws {
        try await withRedisServer { redis in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: redis.url))
            let scrape = ClusterScrape(connection: connection, queues: ["q"], leaseTimeout: .seconds(10))
            func age(at seconds: Double) throws -> Double? {
                try scrape.read(now: Date(timeIntervalSince1970: seconds)).queues.first { $0.name == "q" }?.oldestAge
            }
            // Ten messages, one read after each: samples at 2000, 2001, … 2009.
            for n in 0..<10 {
                _ = try redis.command(["LPUSH", "q", Self.message("MARKER-\(n)-")])
                _ = try age(at: 2000 + Double(n))
            }
            #expect(try age(at: 2020) == 20)
            // Celerity takes the three oldest (counted): the oldest queued was seen at 2003.
            for _ in 0..<3 {
                _ = try redis.command(["INCR", QueueArrivals.poppedKey("q")])
                _ = try redis.command(["RPOP", "q"])
            }
            #expect(try age(at: 2030) == 27)
            let stored = (try redis.command(["LRANGE", QueueSampling.samplesKey("q"), "0", "-1"]).array ?? []).compactMap(\.string)
            #expect(stored.count == 7 && stored.allSatisfy { !$0.contains("MARKER") && $0.utf8.count < 80 })
        }
    }
}
