import Broker
import Foundation
import Logging

/// `backups.verify`: restores the newest PostgreSQL backup into a scratch database and checks it, then checks
/// the newest Redis backup; measures the restore time.
///
/// The PostgreSQL check: the file's SHA-256 matches, `pg_restore` succeeds, more than
/// ``BackupConfiguration/verifyMinimumTables`` tables come back, and every table has the row count recorded at
/// dump time. The scratch database (`celerity_verify_…`) is created on the backed-up server (the user needs
/// `CREATEDB`) and always dropped afterwards. The Redis check: SHA-256, then `redis-check-rdb`.
struct BackupVerifier: Sendable {
    var configuration: BackupConfiguration

    /// What a verification found.
    struct Outcome: Sendable {
        /// The PostgreSQL backup restored.
        var postgresFile: String
        /// Its SHA-256.
        var sha256: String
        /// Row counts as restored.
        var rowCounts: [String: Int64]
        /// Seconds from the start of decompression to the end of the checks.
        var restoreSeconds: Double
        /// The Redis backup checked.
        var redisFile: String
    }

    func run(records: BackupRecords, now: Date, logger: Logger) async throws -> Outcome {
        let target = try configuration.databaseTarget()
        let directory = configuration.directory(for: .postgres)
        guard let file = Self.newest(.postgres, in: directory) else {
            throw BackupError(.invalidBackup, "no PostgreSQL backup in \(directory) to verify: run backups.postgres")
        }
        let path = (directory as NSString).appendingPathComponent(file)
        guard let record = try records.successfulRun(file: file), let recorded = record.rowCounts else {
            throw BackupError(
                .verificationFailed, "\(file) has no successful run recorded in backup_runs: its row counts are unknown"
            )
        }
        let restore = PostgresRestore(file: path, recordedChecksum: record.sha256)
        let checksum = try restore.checkChecksum()

        let scratchName = Self.scratchPrefix + BackupTimestamp.format(now) + "_" + UUID().uuidString.prefix(8).lowercased()
        let admin = BackupDatabase(configuration: target.configuration, logger: logger)
        defer { admin.close() }
        try dropAbandonedScratchDatabases(admin, now: now, logger: logger)
        try admin.execute("CREATE DATABASE \(scratchName)", [])
        let started = ContinuousClock.now
        let restored: [String: Int64]
        do {
            try await restore.restore(into: target.database(scratchName), clean: false, logger: logger)
            let scratch = BackupDatabase(configuration: target.database(scratchName).configuration, logger: logger)
            defer { scratch.close() }
            restored = try scratch.rowCounts()
        } catch {
            try? admin.execute("DROP DATABASE IF EXISTS \(scratchName) WITH (FORCE)", [])
            throw error
        }
        let elapsed = ContinuousClock.now - started
        try admin.execute("DROP DATABASE IF EXISTS \(scratchName) WITH (FORCE)", [])
        try Self.compare(restored: restored, recorded: recorded, minimumTables: configuration.verifyMinimumTables)
        logger.info(
            "PostgreSQL backup restored and checked",
            metadata: ["backup.file": "\(file)", "backup.restore_seconds": "\(elapsed.seconds)"]
        )
        let redisFile = try await checkRedis(logger: logger)
        return Outcome(
            postgresFile: file, sha256: checksum, rowCounts: restored, restoreSeconds: elapsed.seconds,
            redisFile: redisFile
        )
    }

    /// What scratch database names start with: `celerity_verify_YYYYmmdd_HHMMSS_<random>`.
    static let scratchPrefix = "celerity_verify_"

    /// Drops scratch databases more than 12 hours old: left by a verification whose process was killed.
    private func dropAbandonedScratchDatabases(_ admin: BackupDatabase, now: Date, logger: Logger) throws {
        let names = try admin.rows("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [Self.scratchPrefix])
            .compactMap { $0.first ?? nil }
        for name in names {
            let stamp = name.dropFirst(Self.scratchPrefix.count).prefix(15)
            guard let date = BackupTimestamp.parse(stamp), now.timeIntervalSince(date) > 12 * 3600,
                name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f })
            else { continue }
            logger.info("dropping an abandoned scratch database", metadata: ["backup.database": "\(name)"])
            // ASCII lower-case letters, digits and `_` only, and quoted: the identifier is exactly the name listed.
            try admin.execute("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)", [])
        }
    }

    /// Fails unless enough tables came back with the recorded row counts.
    static func compare(restored: [String: Int64], recorded: [String: Int64], minimumTables: Int) throws {
        guard restored.count > minimumTables else {
            throw BackupError(
                .verificationFailed,
                "the restore has \(restored.count) tables, not more than \(minimumTables): the backup is incomplete"
            )
        }
        let differences = recorded.keys.sorted().compactMap { table -> String? in
            let expected = recorded[table]!
            guard let actual = restored[table] else { return "\(table) is missing" }
            return actual == expected ? nil : "\(table) has \(actual) rows, \(expected) at dump time"
        }
        guard differences.isEmpty else {
            throw BackupError(
                .verificationFailed, "the restore does not match the dump: " + differences.prefix(5).joined(separator: "; ")
            )
        }
    }

    /// Checks the newest Redis backup: SHA-256, then `redis-check-rdb` on the decompressed file.
    private func checkRedis(logger: Logger) async throws -> String {
        let directory = configuration.directory(for: .redis)
        guard let file = Self.newest(.redis, in: directory) else {
            throw BackupError(.invalidBackup, "no Redis backup in \(directory) to check: run backups.redis")
        }
        let path = (directory as NSString).appendingPathComponent(file)
        _ = try BackupChecksum.check(fileAt: path, recorded: nil)
        let staging = try BackupStaging(directory: directory)
        defer { staging.remove() }
        let rdb = staging.path("check.rdb")
        let scrubber = SecretScrubber(secrets: [])
        try await ExternalCommand(executable: "gzip", arguments: ["-dc"], standardInput: path, standardOutput: rdb)
            .run(scrubber: scrubber)
        try await RedisBackup.check(rdb: rdb, scrubber: scrubber)
        logger.info("Redis backup checked", metadata: ["backup.file": "\(file)"])
        return file
    }

    /// The newest backup file of `kind` in `directory` (by the time in its name), if any.
    static func newest(_ kind: BackupKind, in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { kind.date(inFileName: $0) != nil && !$0.hasSuffix(BackupChecksum.sidecarSuffix) }.max()
    }
}
