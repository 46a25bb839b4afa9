/// A finished backup file: where it is, how big, and its SHA-256.
public struct BackupArtifact: Sendable, Hashable, Codable {
    /// The absolute path.
    public var path: String
    /// The size in bytes.
    public var size: Int64
    /// The lowercase hex SHA-256 of the file.
    public var sha256: String

    /// The file name without its directory.
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The sidecar file holding the checksum.
    public var sidecarPath: String { path + BackupChecksum.sidecarSuffix }
}
