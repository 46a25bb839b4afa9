import Foundation
import Logging

/// `backups.config`: the configured files (env files, the schedule, alert rules) as
/// `config/config_YYYYmmdd_HHMMSS.tar.gz`, mode 0600 (env files hold secrets).
///
/// Paths are stored as given, without a leading `/`: `tar -xzf config_….tar.gz -C /` puts them back.
struct ConfigBackup: Sendable {
    /// The files (or directories) to archive.
    var files: [String]

    /// Archives the files into `directory` (created if missing).
    ///
    /// - Throws: ``BackupError`` with code `configuration` when no files are configured or one is missing.
    func run(into directory: String, now: Date, logger: Logger) async throws -> BackupArtifact {
        guard !files.isEmpty else {
            throw BackupError(
                .configuration, "CELERITY_BACKUP_CONFIG_FILES is empty: name the files to back up, separated by commas"
            )
        }
        let missing = files.filter { !FileManager.default.fileExists(atPath: $0) }
        guard missing.isEmpty else {
            throw BackupError(
                .configuration,
                "configuration files to back up are missing: \(missing.joined(separator: ", ")) "
                    + "(fix CELERITY_BACKUP_CONFIG_FILES or restore the files)"
            )
        }
        let staging = try BackupStaging(directory: directory)
        defer { staging.remove() }
        let archive = staging.path(BackupKind.config.fileName(at: now))
        logger.info("archiving configuration files", metadata: ["backup.files": "\(files.count)"])
        try await ExternalCommand(
            executable: "tar", arguments: ["--create", "--gzip", "--file=-", "--"] + files, standardOutput: archive
        ).run(scrubber: SecretScrubber(secrets: []))
        return try staging.publish(try staging.seal(archive))
    }
}
