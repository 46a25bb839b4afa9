import Foundation
import Logging

/// `backups.postgres`: a `pg_dump` custom-format dump of the configured database, gzip-compressed, as
/// `postgresql/backup_YYYYmmdd_HHMMSS.dump.gz`, with the row count of every table at the moment of the dump.
///
/// The counts and the dump see the same data: a repeatable-read transaction exports its snapshot
/// (`pg_export_snapshot()`), counts the rows, and `pg_dump --snapshot` dumps exactly that snapshot while the
/// transaction stays open. `backups.verify` later checks a restore against these counts. The password reaches
/// `pg_dump` as `PGPASSWORD`; its command line holds host, port, user and database only.
struct PostgresBackup: Sendable {
    /// The database to dump.
    var target: PostgresToolTarget
    /// A result of at most this many bytes is a failure.
    var minimumSize: Int64

    /// What a dump produced.
    struct Outcome: Sendable {
        var artifact: BackupArtifact
        var rowCounts: [String: Int64]
    }

    /// Dumps the database into `directory` (created if missing).
    func run(into directory: String, now: Date, logger: Logger) async throws -> Outcome {
        let scrubber = target.scrubber
        let staging = try BackupStaging(directory: directory)
        defer { staging.remove() }
        let dump = staging.path("database.dump")
        let database = BackupDatabase(configuration: target.configuration, logger: logger)
        defer { database.close() }
        let rowCounts = try await database.withSnapshot { snapshot, counts in
            logger.info("dumping the database", metadata: ["backup.tables": "\(counts.count)"])
            try await ExternalCommand(
                executable: "pg_dump",
                arguments: ["--format=custom", "--compress=0", "--snapshot=\(snapshot)"] + target.arguments,
                environment: target.environment,
                standardOutput: dump
            ).run(scrubber: scrubber)
            return counts
        }
        let artifact = try await staging.compress(
            dump, as: BackupKind.postgres.fileName(at: now), minimumSize: minimumSize, scrubber: scrubber
        )
        return Outcome(artifact: try staging.publish(artifact), rowCounts: rowCounts)
    }
}
