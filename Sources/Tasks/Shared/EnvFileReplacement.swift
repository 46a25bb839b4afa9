import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How ``EnvFile`` replaces a file: atomically, at the symlink's target, with the owner, group and mode it had.
enum EnvFileReplacement {
    /// `path` with its symlinks resolved (`realpath`); a missing file resolves its directory only.
    /// - Throws: ``EnvFileError`` for a dangling symlink (writing there would replace the link with a file).
    static func resolved(_ path: String) throws(EnvFileError) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let reason = errno
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
            throw EnvFileError(path: path, "is a symlink to a file that cannot be reached", errno: reason)
        }
        return path
    }

    /// Temporary file beside `target` (so `rename` is atomic), created with `mode` and the owner and group `target`
    /// has now (when it exists), synced, renamed over `target`, then the directory synced.
    /// - Throws: ``EnvFileError`` naming `shownAs` and the step; `target` is then unchanged.
    static func replace(_ target: String, shownAs path: String, with bytes: [UInt8], mode: mode_t) throws(EnvFileError) {
        let directory =
            (target as NSString).deletingLastPathComponent.isEmpty
            ? "." : (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var existing = stat()
        let owner: (uid_t, gid_t)? = stat(target, &existing) == 0 ? (existing.st_uid, existing.st_gid) : nil
        let temporary = "\(directory)/.\(name).celerity-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0o600)
        guard descriptor >= 0 else {
            throw EnvFileError(path: path, "cannot create a temporary file in \(directory)", errno: errno)
        }
        var failure: EnvFileError?
        if let owner, owner != (geteuid(), getegid()), fchown(descriptor, owner.0, owner.1) != 0 {
            failure = EnvFileError(
                path: path,
                "cannot keep its owner and group (uid \(owner.0), gid \(owner.1)); run the worker as that user, in "
                    + "that group, or as root", errno: errno)
        }
        // Set after fchown (which may clear set-id bits); the umask may have narrowed the mode given to open.
        if failure == nil, fchmod(descriptor, mode) != 0 {
            failure = EnvFileError(path: path, "cannot set the mode of the temporary file", errno: errno)
        }
        var offset = 0
        while failure == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = EnvFileError(path: path, "cannot write the temporary file", errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = EnvFileError(path: path, "cannot sync the temporary file", errno: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, target) != 0 {
            failure = EnvFileError(path: path, "cannot be replaced", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

/// An exclusive `flock` on a sidecar file beside an env file's target (`.<name>.lock`), held by every job that
/// reads, changes and writes that file (inflation, rotation, retirement), from its read to its last restore, so
/// one job's rollback cannot revert another's change.
final class EnvFileLock: Sendable {
    private let descriptor: Int32

    /// Waits up to `timeout` for the lock on `path`'s file.
    /// - Throws: ``EnvFileError`` when the lock file cannot be opened or another job holds the lock for too long.
    init(path: String, timeout: Duration = .seconds(120)) throws(EnvFileError) {
        let target = try EnvFileReplacement.resolved(path)
        let directory = (target as NSString).deletingLastPathComponent
        let lockPath = (directory.isEmpty ? "" : directory + "/") + ".\((target as NSString).lastPathComponent).lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw EnvFileError(path: path, "cannot open its lock file \(lockPath)", errno: errno) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            guard reason == EWOULDBLOCK || reason == EINTR, ContinuousClock.now < deadline else {
                close(descriptor)
                throw EnvFileError(
                    path: path, "is locked by another job (\(lockPath)) for longer than \(timeout)",
                    errno: reason == EWOULDBLOCK ? EBUSY : reason)
            }
            usleep(50_000)
        }
        self.descriptor = descriptor
    }

    /// Releases the lock (closing the descriptor releases it too, also when the process dies).
    deinit { close(descriptor) }
}
