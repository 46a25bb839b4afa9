import Foundation
import Logging

/// Restores a `backup_….dump.gz` into a database: checks the file's SHA-256 first, decompresses it into a
/// staging directory and runs `pg_restore` in one transaction (a failure leaves the target as it was).
struct PostgresRestore: Sendable {
    /// The backup file.
    var file: String
    /// The checksum recorded for it in `backup_runs`, when known.
    var recordedChecksum: String?

    /// Checks the file against its sidecar and the recorded checksum; nothing is restored when they differ.
    ///
    /// - Returns: The file's SHA-256.
    func checkChecksum() throws -> String {
        try BackupChecksum.check(fileAt: file, recorded: recordedChecksum)
    }

    /// Restores the (already checked) file into `target`.
    ///
    /// - Parameter clean: Drop the backup's objects first (`--clean --if-exists`), for a database that is not empty.
    func restore(into target: PostgresToolTarget, clean: Bool, logger: Logger) async throws {
        let scrubber = target.scrubber
        let staging = try BackupStaging(directory: (file as NSString).deletingLastPathComponent)
        defer { staging.remove() }
        let dump = staging.path("restore.dump")
        logger.info("decompressing the backup", metadata: ["backup.file": "\((file as NSString).lastPathComponent)"])
        try await ExternalCommand(executable: "gzip", arguments: ["-dc"], standardInput: file, standardOutput: dump)
            .run(scrubber: scrubber)
        var arguments = ["--no-owner", "--exit-on-error", "--single-transaction"]
        if clean { arguments += ["--clean", "--if-exists"] }
        arguments += target.arguments + [dump]
        logger.info("restoring with pg_restore", metadata: ["backup.database": "\(target.databaseName ?? "")"])
        try await ExternalCommand(executable: "pg_restore", arguments: arguments, environment: target.environment)
            .run(scrubber: scrubber)
    }
}
