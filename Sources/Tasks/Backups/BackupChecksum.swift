import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of a backup file, and its sidecar `<file>.sha256` (the `sha256sum` format, so
/// `sha256sum -c backup_….dump.gz.sha256` checks it without Celerity).
///
/// The sidecar sits beside the file so that a restore can check the file when the database holding the run
/// records is the one being restored.
enum BackupChecksum {
    /// What a sidecar file's name ends with.
    static let sidecarSuffix = ".sha256"

    /// The lowercase hex SHA-256 of the file at `path`, read in 1 MiB chunks.
    static func sha256(ofFileAt path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BackupError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw BackupError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Writes `<path>.sha256` with the line `<checksum>  <file name>` (mode 0600).
    static func writeSidecar(checksum: String, forFileAt path: String) throws {
        let name = (path as NSString).lastPathComponent
        let sidecar = path + sidecarSuffix
        guard FileManager.default.createFile(
            atPath: sidecar, contents: Data("\(checksum)  \(name)\n".utf8), attributes: [.posixPermissions: 0o600]
        ) else {
            throw BackupError(.io, "cannot write \(sidecar)")
        }
    }

    /// The checksum recorded in `<path>.sha256`, or `nil` when there is no sidecar.
    static func readSidecar(forFileAt path: String) throws -> String? {
        let sidecar = path + sidecarSuffix
        guard FileManager.default.fileExists(atPath: sidecar) else { return nil }
        guard let data = FileManager.default.contents(atPath: sidecar),
            let line = String(data: data, encoding: .utf8),
            let first = line.split(whereSeparator: { $0 == " " || $0 == "\n" }).first,
            first.count == 64, first.allSatisfy(\.isHexDigit)
        else {
            throw BackupError(.invalidBackup, "\(sidecar) is not a SHA-256 line (`<64 hex digits>  <file>`)")
        }
        return first.lowercased()
    }

    /// Checks a file against its sidecar and, when given, the checksum recorded in `backup_runs`.
    ///
    /// - Returns: The file's SHA-256.
    /// - Throws: ``BackupError`` with code `checksumMismatch`, or `invalidBackup` when the file is missing or there
    ///   is neither a sidecar nor a recorded checksum to compare with.
    static func check(fileAt path: String, recorded: String?) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BackupError(.invalidBackup, "\(path) does not exist")
        }
        let actual = try sha256(ofFileAt: path)
        let sidecar = try readSidecar(forFileAt: path)
        guard sidecar != nil || recorded != nil else {
            throw BackupError(
                .invalidBackup, "\(path) has no \(sidecarSuffix) file and no recorded checksum: it cannot be checked"
            )
        }
        for (expected, source) in [(sidecar, "its \(sidecarSuffix) file"), (recorded, "the backup record")] {
            if let expected, expected != actual {
                throw BackupError(
                    .checksumMismatch,
                    "\(path) has SHA-256 \(actual) but \(source) says \(expected): the file is damaged or not the "
                        + "backup that was taken; restore an older backup instead"
                )
            }
        }
        return actual
    }
}
