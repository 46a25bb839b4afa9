#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses a worker process reports to its supervisor.
enum WorkerExit {
    /// Redis refuses the configuration (sysexits' `EX_CONFIG`): the supervisor checks, and stops the node.
    static let configurationError: Int32 = 78

    /// Whether a `waitpid` status is a process that exited with ``configurationError``.
    static func isConfigurationError(_ status: Int32) -> Bool {
        status & 0x7F == 0 && (status >> 8) & 0xFF == configurationError
    }
}
