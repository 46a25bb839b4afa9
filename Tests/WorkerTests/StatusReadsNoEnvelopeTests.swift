import Broker
import Foundation
import TestSupport
import Testing

/// Issue 22, part 3: `celerity status` counts dead letters by reason from `celerity:dlq:reasons` alone; an entry
/// without an indexed reason (stored by an older version) counts as `unknown`, its envelope never read.
@Suite("status reads no dead-letter envelope")
struct StatusReadsNoEnvelopeTests {
    @Test("two 5 MB dead letters, one indexed, one not: status sends far less than one of them, counts both")
    func bigDeadLetters() async throws {
        try await withRedisServer { redis in
            let big = String(repeating: "a", count: 5 << 20)
            for (id, reason) in [("1-indexed", "poison message: died on every delivery"), ("2-legacy", "retries exhausted: boom")] {
                let entry = JSONValue.object(["id": .string(id), "reason": .string(reason), "message": .string(big)]).serialized
                _ = try redis.command(["HSET", "celerity:dlq:entries", id, entry])
                _ = try redis.command(["ZADD", "celerity:dlq", id.hasPrefix("1") ? "1" : "2", id])
            }
            _ = try redis.command(["HSET", "celerity:dlq:reasons", "1-indexed", "poison message: died on every delivery"])

            func sentBytes() throws -> Int {
                let info = try redis.command(["INFO", "stats"]).string ?? ""
                let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_net_output_bytes:") }
                return try #require(line.flatMap { Int($0.dropFirst("total_net_output_bytes:".count)) })
            }
            let before = try sentBytes()
            let run = try await ChildProcess.run(
                try WorkerFixture.binary("celerity"), arguments: ["status", "--json", "--rate-interval", "0", "--redis-url", redis.url],
                timeout: .seconds(30)
            )
            let sent = try sentBytes() - before
            #expect(run.termination == .exited(0), "\(run.standardError)")
            let json = try JSONValue.parse(run.standardOutput)
            #expect(json["dead_letters"]?["total"]?.intValue == 2)
            #expect(json["dead_letters"]?["by_reason"]?["poison"]?.intValue == 1)
            #expect(json["dead_letters"]?["by_reason"]?["unknown"]?.intValue == 1)
            #expect(sent < 256 << 10, "status made Redis send \(sent) bytes: it read an envelope")
        }
    }
}
