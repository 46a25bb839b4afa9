import Foundation

/// A real Redis Sentinel deployment on loopback for failover tests: a master and a replica
/// (``RedisServer``s) and three `redis-sentinel` processes (Debian's `redis-sentinel` package) on free
/// ports, each with its own config file in a scratch directory, with a short `down-after-milliseconds`
/// and `failover-timeout` so a failover takes a few seconds.
///
/// ```swift
/// let cluster = try await RedisSentinelCluster.start()
/// // redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/celerity-master/0
/// await cluster.master.kill()   // the replica is promoted within seconds
/// await cluster.stop()
/// ```
public final class RedisSentinelCluster: Sendable {
    /// The master name the sentinels monitor.
    public let masterName = "celerity-master"
    /// The servers, in their initial roles.
    public let master: RedisServer
    public let replica: RedisServer
    /// The sentinels' loopback ports.
    public let sentinelPorts: [Int]
    private let sentinels: [ChildProcess]
    private let directory: URL

    private init(master: RedisServer, replica: RedisServer, sentinels: [ChildProcess], ports: [Int], directory: URL) {
        self.master = master
        self.replica = replica
        self.sentinels = sentinels
        self.sentinelPorts = ports
        self.directory = directory
    }

    /// `redis+sentinel://127.0.0.1:p1,…/celerity-master/<database>`.
    public func url(database: Int = 0) -> String {
        "redis+sentinel://" + sentinelPorts.map { "127.0.0.1:\($0)" }.joined(separator: ",") + "/\(masterName)/\(database)"
    }

    /// Starts the master (AOF `appendfsync always`), the replica, and three sentinels, and waits until every
    /// sentinel knows the master, the replica and the two other sentinels (so that a failover can be agreed).
    /// - Parameter downAfter: how long the master must be unreachable before a sentinel calls it down.
    public static func start(downAfter: Duration = .seconds(1)) async throws -> RedisSentinelCluster {
        let sentinelBinary = try HarnessEnvironment.require("redis-sentinel", hint: "apt-get install redis-sentinel")
        let persistence = ["--appendfsync", "always"]
        let master = try await RedisServer.start(appendOnly: true, extraArguments: persistence)
        let replica = try await RedisServer.start(
            appendOnly: true, extraArguments: persistence + ["--replicaof", "127.0.0.1", String(master.port)]
        )
        let directory = try HarnessEnvironment.makeTemporaryDirectory(prefix: "celerity-sentinel")
        var sentinels: [ChildProcess] = []
        var ports: [Int] = []
        do {
            for index in 0..<3 {
                let port = try FreePort.allocate()
                let config = directory.appendingPathComponent("sentinel-\(index).conf")
                let milliseconds = downAfter.components.seconds * 1000 + downAfter.components.attoseconds / 1_000_000_000_000_000
                try """
                    port \(port)
                    bind 127.0.0.1
                    daemonize no
                    dir \(directory.path)
                    sentinel monitor celerity-master 127.0.0.1 \(master.port) 2
                    sentinel down-after-milliseconds celerity-master \(milliseconds)
                    sentinel failover-timeout celerity-master 5000
                    sentinel parallel-syncs celerity-master 1

                    """.write(to: config, atomically: true, encoding: .utf8)
                sentinels.append(try ChildProcess(sentinelBinary, arguments: [config.path], workingDirectory: directory))
                ports.append(port)
            }
            let cluster = RedisSentinelCluster(master: master, replica: replica, sentinels: sentinels, ports: ports, directory: directory)
            try await poll(timeout: .seconds(30), interval: .milliseconds(100), "three sentinels that know the replica and each other") {
                for (port, sentinel) in zip(ports, sentinels) {
                    if sentinel.termination != nil {
                        throw HarnessError(.serverDidNotStart, "redis-sentinel on port \(port) exited\n\(sentinel.diagnostics())")
                    }
                }
                // The replica has finished its first sync, so that WAIT counts it.
                guard try master.command(["INFO", "replication"]).string?.contains("state=online") == true else { return false }
                return try ports.allSatisfy { port in
                    let state = try cluster.sentinelCommand(port, ["SENTINEL", "master", "celerity-master"])
                    let fields = Self.fields(state)
                    return fields["num-slaves"] == "1" && fields["num-other-sentinels"] == "2"
                }
            }
            return cluster
        } catch {
            for sentinel in sentinels { await sentinel.stop(gracePeriod: .seconds(1)) }
            await replica.stop()
            await master.stop()
            HarnessEnvironment.removeTemporaryDirectory(directory)
            throw error
        }
    }

    /// The port of the server the sentinels currently name as master (asks the first sentinel that answers).
    public func currentMasterPort() throws -> Int? {
        for port in sentinelPorts {
            guard let reply = try? sentinelCommand(port, ["SENTINEL", "get-master-addr-by-name", masterName]),
                let parts = reply.array, parts.count == 2, let masterPort = parts[1].integer
            else { continue }
            return masterPort
        }
        return nil
    }

    /// Sends one command to the sentinel on `port`.
    public func sentinelCommand(_ port: Int, _ arguments: [String]) throws -> RESPValue {
        try RESPClient.command(arguments, to: .tcp(port: port), timeout: .seconds(2))
    }

    /// The sentinels' logs, for failure messages.
    public var sentinelLogs: String {
        zip(sentinelPorts, sentinels).map { "--- sentinel \($0.0):\n\($0.1.diagnostics(lines: 25))" }.joined(separator: "\n")
    }

    /// Stops the sentinels and both servers and removes the scratch directory.
    public func stop() async {
        for sentinel in sentinels { await sentinel.stop(gracePeriod: .seconds(2)) }
        await replica.stop()
        await master.stop()
        HarnessEnvironment.removeTemporaryDirectory(directory)
    }

    /// A flat `[name, value, name, value…]` reply as a dictionary.
    private static func fields(_ reply: RESPValue) -> [String: String] {
        var result: [String: String] = [:]
        let elements = reply.array ?? []
        var index = 0
        while index + 1 < elements.count {
            if let name = elements[index].string, let value = elements[index + 1].string { result[name] = value }
            index += 2
        }
        return result
    }
}
