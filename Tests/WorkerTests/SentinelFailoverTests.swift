import Broker
import Foundation
import TestSupport
import Testing

/// Issue 17, item 5: a worker node and a client reach Redis through three real sentinels; the master is
/// killed (SIGKILL) mid-run, the sentinels promote the replica, and every task completes on the new master.
@Suite(.serialized)
struct SentinelFailoverTests {
    @Test func everyTaskCompletesAcrossAMasterFailover() async throws {
        let cluster = try await RedisSentinelCluster.start()
        let url = cluster.url()
        var configuration = try RedisConfiguration(url: url)
        configuration.reconnectTimeout = .seconds(60)
        let client = CelerityClient(configuration: configuration)
        let redis = client.redis
        let node = try ChildProcess(
            try WorkerFixture.binary("celerity-test-worker"),
            arguments: ["worker", "-c", "2", "--lease-timeout", "2", "--reap-interval", "1", "--hostname", "sentinel@localhost", "--redis-url", url],
            environment: ["CELERITY_REDIS_URL": url]
        )
        do {
            // A master name no sentinel knows is a configuration error: fatal, at once.
            let unknown = try RedisConfiguration(url: url.replacingOccurrences(of: cluster.masterName, with: "no-such-master"))
            let refused = #expect(throws: RedisError.self) { try RedisConnection(configuration: unknown).connect() }
            #expect(refused?.isFatal == true && refused?.message.contains("no sentinel knows a master named \"no-such-master\"") == true)

            try await poll(timeout: .seconds(20), "the worker to register through the sentinels") {
                if node.termination != nil { throw TestFailure("worker exited:\n\(node.diagnostics())") }
                return try await redis.send(["ZCARD", "celerity:workers"]).integer == 1
            }
            // Before the kill: each batch is replicated (WAIT) before the next, as a producer that cannot lose
            // a task does; asynchronous replication alone may lose the last writes (docs/reliability.md).
            var ids: [String] = []
            for _ in 0..<10 {
                let batch = (0..<20).map { _ in TaskMessage.make(task: "test.record", args: ["rec:failover"]) }
                try await client.send(batch: batch)
                ids += batch.map(\.id)
                let replicas = try await redis.send(["WAIT", "1", "5000"]).integer ?? 0
                #expect(replicas == 1, "the batch did not reach the replica")
            }
            let recordedAtKill = try await pollForValue(timeout: .seconds(30), interval: .milliseconds(5), "some tasks to run") {
                let count = try await redis.send(["LLEN", "rec:failover"]).integer ?? 0
                return count >= 20 ? count : nil
            }
            try #require(recordedAtKill < ids.count, "every task ran before the failover; the test proves nothing")
            let killed = ContinuousClock.now
            await cluster.master.kill()

            // After the kill: the client finds the new master by itself.
            for _ in 0..<10 {
                let batch = (0..<20).map { _ in TaskMessage.make(task: "test.record", args: ["rec:failover"]) }
                try await client.send(batch: batch)
                ids += batch.map(\.id)
            }
            let newMaster = try cluster.currentMasterPort()
            #expect(newMaster == cluster.replica.port, "the sentinels name \(String(describing: newMaster))\n\(cluster.sentinelLogs)")

            let results = try await pollForValue(timeout: .seconds(120), interval: .milliseconds(250), "all \(ids.count) tasks to complete") {
                if node.termination != nil { throw TestFailure("worker exited:\n\(node.diagnostics())") }
                let values = try await redis.send(["MGET"] + ids.map { ResultBackend.key(taskID: $0) }).array ?? []
                let results = try zip(ids, values).map { id, value in
                    try value.string.map { try TaskResult.decode($0, taskID: id) } ?? .pending(id)
                }
                return results.allSatisfy { $0.state.isReady } ? results : nil
            }
            let recovered = ContinuousClock.now - killed
            #expect(results.allSatisfy { $0.state == .success }, "not SUCCESS: \(results.filter { $0.state != .success }.prefix(3))")
            let records = (try await redis.send(["LRANGE", "rec:failover", "0", "-1"]).array ?? []).compactMap(\.string)
            let missing = Set(ids).subtracting(records)
            #expect(missing.isEmpty, "never recorded: \(missing.prefix(5))")
            print("sentinel failover: \(ids.count) tasks, \(recordedAtKill) recorded at the kill, all complete \(recovered) after it; records \(records.count) (duplicates \(records.count - Set(records).count))")

            var inFlight = try await redis.send(["ZCARD", "celerity:eta"]).integer ?? 0
            for key in (try await redis.send(["KEYS", "celerity:processing:*"]).array ?? []).compactMap(\.string) {
                inFlight += try await redis.send(["LLEN", key]).integer ?? 0
            }
            inFlight += try await redis.send(["LLEN", "celery"]).integer ?? 0
            #expect(inFlight == 0)
            #expect(node.isRunning)
        } catch {
            print(node.diagnostics(lines: 40))
            print(cluster.sentinelLogs)
            await node.stop()
            await cluster.stop()
            throw error
        }
        await node.stop()
        await cluster.stop()
    }
}
