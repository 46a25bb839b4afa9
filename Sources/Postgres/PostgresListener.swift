import CLibPQ
import Foundation
import Logging

/// A connection of its own that `LISTEN`s on one channel and waits for `NOTIFY`s: how a relay wakes within
/// milliseconds of a commit instead of polling. Used by one thread at a time.
///
/// A notification is a hint, not a message: one can be missed while the connection is being made again (the
/// server restarted), so a listener's user still polls now and then. ``wait(timeout:)`` reconnects by itself.
public final class PostgresListener: @unchecked Sendable {
    /// The channel, e.g. `celerity_outbox`.
    public let channel: String
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: OpaquePointer?

    /// A listener; it connects on the first ``wait(timeout:)``.
    /// - Throws: ``PostgresError`` `.invalidParameter` unless `channel` is a plain identifier (it becomes SQL text).
    public init(configuration: PostgresConfiguration, channel: String, logger: Logger) throws(PostgresError) {
        guard !channel.isEmpty, channel.count <= 63,
            channel.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
        else {
            throw PostgresError(
                code: .invalidParameter, message: "a LISTEN channel must be 1-63 characters a-z, 0-9 or _",
                endpoint: configuration.description
            )
        }
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
    }

    deinit { close() }

    /// Closes the connection; the next ``wait(timeout:)`` makes it again.
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// Waits until a notification arrives on the channel or `timeout` passes, and consumes every notification
    /// that is there.
    /// - Returns: `true` when at least one notification arrived (or the connection was just made, when changes
    ///   may have been missed), `false` when the time passed without one.
    /// - Throws: ``PostgresError`` `.connection` when the server cannot be reached; the caller waits and calls again.
    public func wait(timeout: Duration) throws(PostgresError) -> Bool {
        if connection == nil {
            try listen()
            return true
        }
        if try drain() { return true }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: max(0, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw broken("poll failed: errno \(errno)") }
        return try drain()
    }

    private func listen() throws(PostgresError) {
        let pairs = configuration.connectionParameters
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let made = PQconnectdbParams(keywordPointers, valuePointers, 0) else {
            throw PostgresError(code: .connection, message: "libpq could not allocate a connection", endpoint: configuration.description)
        }
        guard PQstatus(made) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(made)).split(separator: "\n").first.map(String.init) ?? "unknown error"
            PQfinish(made)
            throw PostgresError(code: .connection, message: message, endpoint: configuration.description)
        }
        let result = PQexec(made, "LISTEN \(channel)")
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            let message = String(cString: PQerrorMessage(made)).split(separator: "\n").first.map(String.init) ?? "unknown error"
            PQfinish(made)
            throw PostgresError(code: .connection, message: "LISTEN failed: \(message)", endpoint: configuration.description)
        }
        connection = made
        logger.debug("listening for notifications", metadata: ["db.channel": "\(channel)"])
    }

    /// Reads what the socket holds and frees every queued notification; `true` when there was one.
    private func drain() throws(PostgresError) -> Bool {
        guard PQconsumeInput(connection) == 1 else {
            throw broken(String(cString: PQerrorMessage(connection)).split(separator: "\n").first.map(String.init) ?? "")
        }
        var any = false
        while let notification = PQnotifies(connection) {
            any = true
            PQfreemem(notification)
        }
        if PQstatus(connection) != CONNECTION_OK { throw broken("the connection closed") }
        return any
    }

    private func broken(_ message: String) -> PostgresError {
        close()
        return PostgresError(code: .connection, message: "LISTEN connection broke: \(message)", endpoint: configuration.description)
    }
}
