/// A backup, verification or restore that did not complete: what happened and what to do.
///
/// The message never holds a password or a webhook URL: text from child processes passes through
/// ``SecretScrubber`` before it gets here.
public struct BackupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The configuration is missing or invalid.
        public static let configuration = Code(name: "configuration")
        /// A program the backup needs (`pg_dump`, `redis-cli`, `gzip`, …) failed or is not installed.
        public static let command = Code(name: "command")
        /// The backup file is missing, too small, or fails its check.
        public static let invalidBackup = Code(name: "invalidBackup")
        /// A file's SHA-256 is not the one recorded.
        public static let checksumMismatch = Code(name: "checksumMismatch")
        /// A restored database does not match what was recorded at dump time.
        public static let verificationFailed = Code(name: "verificationFailed")
        /// Reading or writing a file failed.
        public static let io = Code(name: "io")
        /// A step took longer than allowed.
        public static let timeout = Code(name: "timeout")
        /// A program was killed because the task's time limit came: a retry would hit it again.
        public static let timeLimit = Code(name: "timeLimit")
        /// The restore was not confirmed.
        public static let notConfirmed = Code(name: "notConfirmed")
        /// The database could not be reached or gave up for a while (connection, timeout, serialization, shutdown):
        /// worth a retry.
        public static let database = Code(name: "database")
        /// The database refused a statement (permissions, a missing object): a retry would not change it.
        public static let databaseRefused = Code(name: "databaseRefused")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do, for a person.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
