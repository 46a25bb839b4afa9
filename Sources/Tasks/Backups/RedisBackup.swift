import Broker
import Foundation
import Logging

/// `backups.redis`: a snapshot of the broker's Redis dataset as `redis/dump_YYYYmmdd_HHMMSS.rdb.gz`.
///
/// The snapshot is downloaded with `redis-cli --rdb` (Redis's own replication transfer), so it works when Redis
/// runs on another host and needs no access to its data directory; the password reaches `redis-cli` through
/// `REDISCLI_AUTH`, never its command line. A save already running (`rdb_bgsave_in_progress:1`) is waited for
/// first, polling `INFO persistence`, never with a fixed sleep. The download is checked with `redis-check-rdb`
/// before it is compressed, checksummed and renamed into place. With an ACL user, it needs `+sync +replconf`.
struct RedisBackup: Sendable {
    /// The broker's Redis.
    var redis: RedisConfiguration
    /// How long to wait for a save already in progress.
    var saveWaitTimeout: Duration = .seconds(600)

    /// Takes the snapshot into `directory` (created if missing).
    ///
    /// - Returns: The finished file, with whether a save in progress was waited for.
    func run(into directory: String, now: Date, logger: Logger) async throws -> (BackupArtifact, waitedForSave: Bool) {
        let scrubber = SecretScrubber(secrets: [redis.password])
        let waited = try await waitForSaveInProgress(logger: logger)
        let staging = try BackupStaging(directory: directory)
        defer { staging.remove() }
        let rdb = staging.path("dump.rdb")
        var arguments: [String] = []
        switch redis.endpoint {
        case .tcp(let host, let port): arguments += ["-h", host, "-p", String(port)]
        case .unix(let path): arguments += ["-s", path]
        case .sentinel(let sentinels, let master):
            let address = try Self.currentMaster(sentinels: sentinels, name: master, logger: logger)
            arguments += ["-h", address.host, "-p", String(address.port)]
        }
        if let username = redis.username { arguments += ["--user", username] }
        arguments += ["--no-auth-warning", "--rdb", rdb]
        var environment: [String: String] = [:]
        if let password = redis.password { environment["REDISCLI_AUTH"] = password }
        logger.info("downloading the Redis snapshot", metadata: ["redis.address": "\(redis.address)"])
        try await ExternalCommand(executable: "redis-cli", arguments: arguments, environment: environment)
            .run(scrubber: scrubber)
        try await Self.check(rdb: rdb, scrubber: scrubber)
        let artifact = try await staging.compress(rdb, as: BackupKind.redis.fileName(at: now), scrubber: scrubber)
        return (try staging.publish(artifact), waited)
    }

    /// Checks an uncompressed RDB file with `redis-check-rdb`.
    static func check(rdb path: String, scrubber: SecretScrubber) async throws {
        do {
            try await ExternalCommand(executable: "redis-check-rdb", arguments: [path], timeout: .seconds(1800))
                .run(scrubber: scrubber)
        } catch let error as BackupError where error.code == .command {
            throw BackupError(.invalidBackup, "the Redis snapshot failed redis-check-rdb: \(error.message)")
        }
    }

    /// Waits while Redis reports a background save in progress.
    ///
    /// - Returns: Whether there was one.
    private func waitForSaveInProgress(logger: Logger) async throws -> Bool {
        let client = RedisClient(configuration: redis, logger: logger)
        defer { client.connection.close() }
        let deadline = ContinuousClock.now.advanced(by: saveWaitTimeout)
        var waited = false
        while true {
            let info: String
            do {
                info = try await client.send(["INFO", "persistence"]).string ?? ""
            } catch {
                throw BackupError(.command, "cannot ask Redis at \(redis.address) for its save state: \(error)")
            }
            guard info.contains("rdb_bgsave_in_progress:1") else { return waited }
            if !waited { logger.info("a Redis background save is in progress; waiting for it to finish") }
            waited = true
            guard ContinuousClock.now < deadline else {
                throw BackupError(.timeout, "Redis was still saving after \(saveWaitTimeout); try again later")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Where the sentinels say the master `name` is now: the snapshot is downloaded from the master.
    static func currentMaster(
        sentinels: [RedisConfiguration.HostAndPort], name: String, logger: Logger
    ) throws -> RedisConfiguration.HostAndPort {
        for sentinel in sentinels {
            var configuration = RedisConfiguration(endpoint: .tcp(host: sentinel.host, port: sentinel.port))
            configuration.connectTimeout = .seconds(2)
            configuration.reconnectTimeout = .seconds(1)
            let connection = RedisConnection(configuration: configuration, logger: logger)
            defer { connection.close() }
            if let reply = try? connection.send(["SENTINEL", "get-master-addr-by-name", name]).array, reply.count == 2,
                let host = reply[0].string, let port = reply[1].string.flatMap({ Int($0) })
            {
                return RedisConfiguration.HostAndPort(host: host, port: port)
            }
        }
        throw BackupError(.database, "no sentinel knows the Redis master \(name)")
    }
}
