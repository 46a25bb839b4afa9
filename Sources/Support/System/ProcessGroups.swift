#if canImport(Glibc)
    import Glibc
#endif

/// Kills the programs a worker process started, so they cannot outlive it (a backup's `pg_dump` when the worker
/// process is killed at its hard time limit or on revoke with terminate).
///
/// Programs started with ``ProcessSpawn`` lead their own process group, so killing the worker process alone would
/// leave them running, reparented to init. The supervisor calls ``killChildGroups(of:)`` just before it kills a
/// worker process: every child of it that leads its own group has that whole group killed.
package enum ProcessGroups {
    /// Sends SIGKILL to the process group of every child of `pid` that leads its own group.
    package static func killChildGroups(of pid: pid_t) {
        for child in children(of: pid) where getpgid(child) == child {
            kill(-child, SIGKILL)
        }
    }

    /// The children of `pid`, as each of its threads lists them in `/proc/<pid>/task/<tid>/children`.
    static func children(of pid: pid_t) -> [pid_t] {
        guard let directory = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(directory) }
        var children: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let thread = Int32(name) else { continue }
            children += read("/proc/\(pid)/task/\(thread)/children").split(whereSeparator: { $0 == " " || $0 == "\n" })
                .compactMap { pid_t($0) }
        }
        return children
    }

    private static func read(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
