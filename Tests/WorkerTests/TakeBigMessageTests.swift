import Broker
import Foundation
import TestSupport
import Testing

@testable import Worker

/// Security review M8: with a revocation stored, the take script reads each taken message's task id. A 10 MB
/// message's body is cut out before its headers are decoded, so the take costs about the same whatever the
/// body's size, and the answer (revoked or not, its recoveries) is the same as decoding it whole.
@Suite("take: big messages and revocations", .serialized)
struct TakeBigMessageTests {
    /// Microseconds Redis spent on its last command (`SLOWLOG`, with every command logged).
    static func lastCommandMicroseconds(_ redis: RedisServer) throws -> Int {
        let entry = try #require(try redis.command(["SLOWLOG", "GET", "1"]).array?.first?.array)
        return try #require(entry[2].integer)
    }

    @Test("a 10 MB message with a revocation stored: the take is correct and far faster than decoding it whole")
    func tenMegabytesAndOneRevocation() async throws {
        try await withRedisServer { redis in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: redis.url))
            let body = String(repeating: "b", count: 10 << 20)
            let revoked = TaskMessage.make(task: "demo.echo", args: [.string(body)], options: TaskOptions(taskID: "m8-revoked"))
            let kept = TaskMessage.make(task: "demo.echo", args: [.string(body)], options: TaskOptions(taskID: "m8-kept"))
            #expect(revoked.encoded().utf8.count > 10 << 20)
            let now = Date().timeIntervalSince1970
            _ = try redis.command(["ZADD", WorkerKeys.revoked, String(now + 3600), "m8-revoked"])
            _ = try redis.command(["HSET", WorkerKeys.deliveries, "someone-else", "1"])  // recoveries looked up too
            _ = try redis.command(["CONFIG", "SET", "slowlog-log-slower-than", "0"])

            // What decoding one such message whole costs Redis (the take did this before).
            _ = try connection.evaluate(
                RedisScript(name: "decode-whole", source: "local ok = pcall(cjson.decode, ARGV[1]) return ok and 1 or 0"),
                arguments: [revoked.encoded()]
            )
            let whole = try Self.lastCommandMicroseconds(redis)

            var takes: [Int] = []
            for (message, expectRevoked) in [(revoked, 1), (kept, 0)] {
                _ = try redis.command(["LPUSH", "big", message.encoded()])
                let processing = WorkerKeys.processing("m8-\(message.id)")
                let reply = try connection.evaluate(
                    WorkerScripts.take, keys: [processing, WorkerKeys.revoked, WorkerKeys.deliveries, "big"],
                    arguments: [String(now), "1", "1"]
                )
                takes.append(try Self.lastCommandMicroseconds(redis))
                let parts = try #require(reply.array)
                #expect(parts.count >= 4 && parts[1].string == message.encoded(), "the take returned the message whole")
                #expect(parts[2].integer == expectRevoked, "\(message.id): revoked flag \(String(describing: parts[2].integer))")
                #expect(parts[3].integer == 0)
            }
            print("M8: cjson.decode of the whole 10 MB message \(whole) µs; takes \(takes) µs")
            #expect(takes.allSatisfy { $0 * 4 < whole }, "takes \(takes) µs vs decoding whole \(whole) µs")
        }
    }

    @Test("a big message whose body is not one plain string is still decoded whole: the same answer")
    func escapedBodyFallsBack() async throws {
        try await withRedisServer { redis in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: redis.url))
            // A hand-made envelope: the body holds escaped quotes, the headers come after it.
            let padding = String(repeating: #"x\"y"#, count: 40_000)
            let raw = #"{"body": ""# + padding + #"", "headers": {"id": "m8-escaped", "task": "demo.add"}, "properties": {"delivery_tag": "t1"}}"#
            #expect(raw.utf8.count > WorkerScripts.envelopeBodyCutBytes)
            let now = Date().timeIntervalSince1970
            _ = try redis.command(["ZADD", WorkerKeys.revoked, String(now + 3600), "m8-escaped"])
            _ = try redis.command(["HSET", WorkerKeys.deliveries, "t1", "2"])
            _ = try redis.command(["LPUSH", "big", raw])
            let reply = try connection.evaluate(
                WorkerScripts.take, keys: [WorkerKeys.processing("m8-escaped"), WorkerKeys.revoked, WorkerKeys.deliveries, "big"],
                arguments: [String(now), "1", "1"]
            )
            let parts = try #require(reply.array)
            #expect(parts.count >= 4 && parts[2].integer == 1 && parts[3].integer == 2, "\(parts.dropFirst(2))")
        }
    }
}
