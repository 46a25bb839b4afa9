#if canImport(Glibc)
import Glibc
#endif

/// How Celerity starts a program: `posix_spawn` (never `fork` without `exec` in a threaded process), used by the
/// supervisor for its worker processes, by backups for `pg_dump` and friends, and by the test harness.
///
/// The child gets its own process group (a timeout or a shutdown signals the whole group, and a terminal's Ctrl-C
/// reaches only the parent), an empty signal mask, default dispositions for every signal, the given descriptors,
/// and no other descriptor above them, even one opened without `O_CLOEXEC`.
package enum ProcessSpawn {
    /// What one of the child's descriptors is.
    package enum Descriptor: Sendable {
        /// The file at `path`, opened in the child with `flags` (and `mode` when it is created).
        case open(path: String, flags: Int32, mode: mode_t = 0o600)
        /// A copy of a descriptor: one of the parent's, or one of the child's set up before it (a lower number).
        case duplicate(Int32)
    }

    /// Starts `path` and returns its pid.
    ///
    /// - Parameters:
    ///   - path: The program: a path, not looked up in `PATH`. It is also `argv[0]`.
    ///   - arguments: `argv[1...]`.
    ///   - environment: The child's whole environment; `nil` passes this process's on.
    ///   - descriptors: The child's descriptors by number, set up in ascending order; every descriptor above the
    ///     highest is closed in the child. Those not given (for example 1 and 2) are inherited as they are.
    ///   - workingDirectory: Where the child starts; `nil` keeps this process's.
    /// - Throws: ``ProcessSpawnError`` naming the step that failed.
    package static func start(
        path: String, arguments: [String], environment: [String: String]?,
        descriptors: [Int32: Descriptor], workingDirectory: String? = nil
    ) throws(ProcessSpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init", path)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (number, descriptor) in descriptors.sorted(by: { $0.key < $1.key }) {
            switch descriptor {
            case .open(let file, let flags, let mode):
                try check(posix_spawn_file_actions_addopen(&actions, number, file, flags, mode), "open \(file)", path)
            case .duplicate(let source):
                try check(posix_spawn_file_actions_adddup2(&actions, source, number), "dup2", path)
            }
        }
        try check(GNUExtensions.addCloseFrom(&actions, (descriptors.keys.max() ?? 2) + 1), "closefrom", path)
        if let workingDirectory {
            try check(GNUExtensions.addChdir(&actions, workingDirectory), "chdir \(workingDirectory)", path)
        }

        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes), "posix_spawnattr_init", path)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "posix_spawnattr_setsigmask", path)
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "posix_spawnattr_setsigdefault", path)
        try check(posix_spawnattr_setpgroup(&attributes, 0), "posix_spawnattr_setpgroup", path)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "posix_spawnattr_setflags", path)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result =
            if var envp {
                posix_spawn(&pid, path, &actions, &attributes, argv, &envp)
            } else {
                posix_spawn(&pid, path, &actions, &attributes, argv, environ)
            }
        try check(result, "posix_spawn", path)
        return pid
    }

    /// glibc's `_np` file actions (2.34 and 2.29), declared only under `_GNU_SOURCE`, which Swift's Glibc module
    /// does not define: looked up once with `dlsym` rather than through a C shim target.
    private enum GNUExtensions {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        typealias AddChdir = @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?
        ) -> Int32

        static let closeFrom: AddCloseFrom? = lookup("posix_spawn_file_actions_addclosefrom_np")
        static let chdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")

        private static func lookup<F>(_ name: String) -> F? {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
            return unsafeBitCast(symbol, to: F.self)
        }

        static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ from: Int32) -> Int32 {
            guard let closeFrom else { return ENOSYS }
            return closeFrom(&actions, from)
        }

        static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Int32 {
            guard let chdir else { return ENOSYS }
            return chdir(&actions, path)
        }
    }

    private static func check(_ result: Int32, _ step: String, _ path: String) throws(ProcessSpawnError) {
        guard result == 0 else { throw ProcessSpawnError(program: path, step: step, errorNumber: result) }
    }
}

/// A program could not be started.
package struct ProcessSpawnError: Error, Sendable, CustomStringConvertible {
    /// The program's path.
    package var program: String
    /// The `posix_spawn` step that failed, e.g. `open /dev/null` or `posix_spawn`.
    package var step: String
    /// Its error number.
    package var errorNumber: Int32

    package var description: String {
        "cannot start \(program): \(step) failed: \(String(cString: strerror(errorNumber)))"
    }
}
