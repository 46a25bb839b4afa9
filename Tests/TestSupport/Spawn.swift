import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A thin `posix_spawn` wrapper: the one place where the harness starts processes.
enum Spawn {
    /// Starts `path` and returns its pid.
    ///
    /// The child gets its own process group, an empty signal mask, default dispositions for every signal, the
    /// given files as descriptors 0, 1 and 2 (standard error shares standard output's file when `nil`) and no
    /// other descriptors.
    static func start(
        path: String,
        arguments: [String],
        environment: [String],
        workingDirectory: String?,
        standardInput: String,
        standardOutput: String,
        standardError: String?
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init")
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes), "posix_spawnattr_init")
        defer { posix_spawnattr_destroy(&attributes) }

        let append = O_WRONLY | O_CREAT | O_APPEND
        try check(
            posix_spawn_file_actions_addopen(&actions, 0, standardInput, O_RDONLY, 0), "open \(standardInput)"
        )
        try check(posix_spawn_file_actions_addopen(&actions, 1, standardOutput, append, 0o644), "open stdout")
        if let standardError {
            try check(posix_spawn_file_actions_addopen(&actions, 2, standardError, append, 0o644), "open stderr")
        } else {
            try check(posix_spawn_file_actions_adddup2(&actions, 1, 2), "dup2 stdout to stderr")
        }
        try check(GNUExtensions.addCloseFrom(&actions, 3), "posix_spawn_file_actions_addclosefrom_np")
        if let workingDirectory {
            try check(GNUExtensions.addChdir(&actions, workingDirectory), "chdir \(workingDirectory)")
        }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "posix_spawnattr_setsigmask")
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "posix_spawnattr_setsigdefault")
        try check(posix_spawnattr_setpgroup(&attributes, 0), "posix_spawnattr_setpgroup")
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "posix_spawnattr_setflags")

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw HarnessError(.processFailed, "cannot start \(path): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// glibc's `_np` file actions (2.29 and 2.34), declared only under `_GNU_SOURCE`, which Swift's Glibc module
    /// does not define; looked up once with `dlsym` rather than through a C shim target.
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

    /// Throws when a `posix_spawn*` call returned an error number.
    private static func check(_ result: Int32, _ operation: String) throws {
        guard result == 0 else {
            throw HarnessError(.processFailed, "\(operation) failed: \(String(cString: strerror(result)))")
        }
    }
}
