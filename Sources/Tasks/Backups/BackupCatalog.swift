import Foundation

/// The backup files on disk, for `celerity backups list`: read from the directories alone, so it works when
/// the database holding the run records is down.
public enum BackupCatalog {
    /// One backup file.
    public struct Entry: Sendable, Hashable {
        /// What it backs up.
        public var kind: BackupKind
        /// Its absolute path.
        public var path: String
        /// When it was taken (from its name).
        public var takenAt: Date
        /// Its size in bytes.
        public var size: Int64
        /// The SHA-256 in its sidecar, if there is one.
        public var sha256: String?

        /// The file name.
        public var fileName: String { (path as NSString).lastPathComponent }
    }

    /// Every backup file of every kind under the configured directory, newest first within each kind.
    public static func entries(_ configuration: BackupConfiguration) -> [Entry] {
        BackupKind.fileKinds.flatMap { kind -> [Entry] in
            let directory = configuration.directory(for: kind)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.compactMap { name -> Entry? in
                guard !name.hasSuffix(BackupChecksum.sidecarSuffix), let date = kind.date(inFileName: name) else {
                    return nil
                }
                let path = (directory as NSString).appendingPathComponent(name)
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
                return Entry(
                    kind: kind, path: path, takenAt: date, size: size ?? 0,
                    sha256: (try? BackupChecksum.readSidecar(forFileAt: path)) ?? nil
                )
            }.sorted { $0.takenAt > $1.takenAt }
        }
    }

    /// Checks a backup file's SHA-256 against its sidecar (and the recorded checksum, when given) before a
    /// restore.
    ///
    /// - Returns: The SHA-256.
    /// - Throws: ``BackupError`` with code `checksumMismatch` or `invalidBackup`.
    public static func checkFile(_ path: String, recordedChecksum: String? = nil) throws -> String {
        try BackupChecksum.check(fileAt: path, recorded: recordedChecksum)
    }
}
