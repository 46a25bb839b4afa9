/// A finished backup file: where it is, how big, and its SHA-256.
struct BackupArtifact: Sendable, Hashable {
    /// The absolute path.
    var path: String
    /// The size in bytes.
    var size: Int64
    /// The lowercase hex SHA-256 of the file.
    var sha256: String

    /// The file name without its directory.
    var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The sidecar file holding the checksum.
    var sidecarPath: String { path + BackupChecksum.sidecarSuffix }
}
