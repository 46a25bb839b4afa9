import Foundation

/// An error raised by the test harness: a server that would not start, a missing program, a timeout.
///
/// The ``description`` says what happened and, where it can, what to do about it, and carries the tail of the
/// relevant log so that a failing test explains itself.
public struct HarnessError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. Opaque, so that new codes never break a `switch` in a test.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case programNotFound = "program not found"
            case processFailed = "process failed"
            case serverDidNotStart = "server did not start"
            case portInUse = "port in use"
            case timeout = "timeout"
            case protocolViolation = "protocol violation"
            case connectionFailed = "connection failed"
            case installationFailed = "installation failed"
            case io = "I/O error"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A program the harness needs (redis-server, initdb, python3, …) is not installed.
        public static let programNotFound = Code(.programNotFound)
        /// A child process exited unsuccessfully.
        public static let processFailed = Code(.processFailed)
        /// A server process exited or never became ready.
        public static let serverDidNotStart = Code(.serverDidNotStart)
        /// A server could not bind its port because another process took it.
        public static let portInUse = Code(.portInUse)
        /// A condition polled for was not met before its deadline.
        public static let timeout = Code(.timeout)
        /// A server replied with something the harness could not parse.
        public static let protocolViolation = Code(.protocolViolation)
        /// A socket could not be opened, connected, written or read.
        public static let connectionFailed = Code(.connectionFailed)
        /// The Python virtual environment for Celery could not be created.
        public static let installationFailed = Code(.installationFailed)
        /// A file or directory operation failed.
        public static let io = Code(.io)

        /// A short name for the code.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence a person can act on, followed by any diagnostic output.
    public let message: String

    /// Creates an error with a code and an actionable message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message, prefixed with the code.
    public var description: String { "\(code): \(message)" }
}

extension Duration {
    /// Renders a duration for messages: `10 s`, `0.25 s`, `1.5 s`.
    var harnessDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}

/// The last `count` lines of `text`, indented for inclusion in an error message.
func tail(_ text: String, lines count: Int = 40) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let kept = lines.suffix(count).map { "    | " + $0 }
    let header = lines.count > count ? "    | … (\(lines.count - count) earlier lines omitted)\n" : ""
    return header + kept.joined(separator: "\n")
}
