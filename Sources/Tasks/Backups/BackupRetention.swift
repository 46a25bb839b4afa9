import Foundation

/// Removes a kind's backups older than its retention, and nothing else.
///
/// A file is pruned only when its name is exactly one this kind writes (`backup_YYYYmmdd_HHMMSS.dump.gz`, its
/// `.sha256` sidecar, …) and its modification time is older than the retention; other files in the directory —
/// an operator's copy, another tool's dump, a half-written temp file — are left alone. The newest backup of the
/// kind is never pruned, whatever its age, so a long outage of the backup job does not end with no backup at all.
/// Staging directories (`.staging-*`) left by a run that was killed are removed once they are a day old.
struct BackupRetention: Sendable {
    /// The kind whose files are pruned.
    var kind: BackupKind
    /// Files older than this many days are removed.
    var days: Int

    /// Removes the old files in `directory`.
    ///
    /// - Parameter now: The current time.
    /// - Returns: The names of the removed files, sorted.
    func prune(directory: String, now: Date = Date()) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw BackupError(.io, "cannot list \(directory) to prune old backups: \(error.localizedDescription)")
        }
        let own = names.filter { kind.date(inFileName: $0) != nil }
        let newest = own.filter { !$0.hasSuffix(BackupChecksum.sidecarSuffix) }.max()
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var removed: [String] = []
        let staleStaging = now.addingTimeInterval(-86_400)
        for name in names.sorted() where name.hasPrefix(BackupStaging.prefix) {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                modified < staleStaging
            else { continue }
            try? FileManager.default.removeItem(atPath: path)
            removed.append(name)
        }
        for name in own.sorted() {
            if let newest, name == newest || name == newest + BackupChecksum.sidecarSuffix { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let modified = attributes[.modificationDate] as? Date, modified < cutoff
            else { continue }
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw BackupError(.io, "cannot remove old backup \(path): \(error.localizedDescription)")
            }
            removed.append(name)
        }
        return removed
    }
}
