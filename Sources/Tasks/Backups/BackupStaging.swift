import Foundation

/// A private scratch directory inside a kind's backup directory, where a backup is written before it is
/// complete: `<dir>/.staging-<random>/` (mode 0700).
///
/// Nothing appears under the backup's own name until it is compressed, checked and checksummed:
/// ``publish(_:)`` then moves the sidecar and the file into place with `link` + `unlink` (atomic, and never
/// replacing an existing backup). A failed run removes the staging directory and leaves every earlier
/// backup as it was. Retention never touches staging directories (their names are not a backup's).
struct BackupStaging: Sendable {
    /// What every staging directory's name starts with.
    static let prefix = ".staging-"

    /// The kind's backup directory.
    let directory: String
    /// The staging directory.
    let root: String

    /// Creates the kind's directory if needed (mode 0700) and a fresh staging directory in it.
    init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw BackupError(.io, "cannot create the backup directory \(directory): \(error.localizedDescription)")
        }
        let root = (directory as NSString).appendingPathComponent(Self.prefix + UUID().uuidString.lowercased())
        guard mkdir(root, 0o700) == 0 else {
            throw BackupError(.io, "cannot create \(root): \(String(cString: strerror(errno)))")
        }
        self.directory = directory
        self.root = root
    }

    /// A path inside the staging directory.
    func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }

    /// Compresses `source` with `gzip` into `name` in the staging directory, checks the size and computes the
    /// SHA-256.
    ///
    /// - Parameter minimumSize: The result must be larger than this many bytes.
    /// - Throws: ``BackupError`` with code `invalidBackup` when the result is missing or too small.
    func compress(_ source: String, as name: String, minimumSize: Int64 = 0, scrubber: SecretScrubber) async throws
        -> BackupArtifact
    {
        let target = path(name)
        try await ExternalCommand(
            executable: "gzip", arguments: ["-c", "-n", "-6"], standardInput: source, standardOutput: target
        ).run(scrubber: scrubber)
        return try seal(target, minimumSize: minimumSize)
    }

    /// Checks the size of a finished file in the staging directory and computes its SHA-256.
    func seal(_ path: String, minimumSize: Int64 = 0) throws -> BackupArtifact {
        let name = (path as NSString).lastPathComponent
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value
        else {
            throw BackupError(.invalidBackup, "the backup file \(name) was not written")
        }
        guard size > minimumSize else {
            throw BackupError(
                .invalidBackup,
                "the backup file \(name) has \(size) bytes (at most \(minimumSize)): it is probably empty or "
                    + "truncated; the previous backups are untouched"
            )
        }
        return BackupArtifact(path: path, size: size, sha256: try BackupChecksum.sha256(ofFileAt: path))
    }

    /// Moves a sealed file and its checksum sidecar into the backup directory.
    ///
    /// - Returns: The artifact at its final path.
    /// - Throws: ``BackupError`` when a backup of that name already exists (it is not replaced).
    func publish(_ artifact: BackupArtifact) throws -> BackupArtifact {
        let final = (directory as NSString).appendingPathComponent(artifact.fileName)
        try BackupChecksum.writeSidecar(checksum: artifact.sha256, forFileAt: artifact.path)
        try move(artifact.sidecarPath, to: final + BackupChecksum.sidecarSuffix)
        try move(artifact.path, to: final)
        var published = artifact
        published.path = final
        return published
    }

    private func move(_ source: String, to destination: String) throws {
        guard link(source, destination) == 0 else {
            let reason = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw BackupError(.io, "cannot put the backup at \(destination): \(reason)")
        }
        unlink(source)
    }

    /// Removes the staging directory and whatever is left in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
