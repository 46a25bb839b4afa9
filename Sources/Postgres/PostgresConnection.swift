import Foundation
import Logging

/// One PostgreSQL connection over libpq, for one process (a worker process, a scheduler, a CLI command).
///
/// Calls block the calling thread until the server answers: a worker process runs one task at a time on its own
/// thread, so tasks call it directly, off Swift's cooperative pool. Calls from several threads are serialised.
/// The connection is made on first use. When the server restarted or the connection broke, the next statement
/// outside a transaction reconnects once and is sent again (statements inside a transaction fail instead, and the
/// caller retries the whole unit of work). Every statement is parameterised (`PQexecParams`); values never
/// become SQL text.
public final class PostgresConnection: @unchecked Sendable {
    /// The configuration (its description hides the password).
    public let configuration: PostgresConfiguration
    private let lock = NSRecursiveLock()
    private let session: PostgresSession

    /// Creates a connection; it connects on first use or on ``connect()``.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.session = PostgresSession(configuration: configuration, logger: logger)
    }

    /// Connects now.
    /// - Throws: ``PostgresError`` `.connection` when the server cannot be reached or refuses the login.
    public func connect() throws(PostgresError) {
        try locked { () throws(PostgresError) in try session.ensureConnected() }
    }

    /// Closes the connection; the next call connects again.
    public func close() {
        locked { session.drop() }
    }

    /// Runs one statement and returns its rows.
    ///
    /// ```swift
    /// let rows = try db.query("SELECT id, total FROM invoices WHERE customer = $1 AND paid = $2", [.text(name), false])
    /// let total: Decimal = try rows[0].decode("total")
    /// ```
    /// - Parameters:
    ///   - sql: One statement with `$1`, `$2`, … placeholders.
    ///   - parameters: The values for the placeholders; `nil` is NULL.
    ///   - timeout: The statement's `statement_timeout`; none when `nil`.
    ///   - deadline: When the caller must have an answer (a task's deadline); the sooner of this and `timeout` wins.
    /// - Throws: ``PostgresError``: `.server` (with the SQLSTATE), `.timeout`, `.connection`, `.invalidParameter`.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [PostgresValue?] = [], timeout: Duration? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) throws(PostgresError) -> PostgresRows {
        try locked { () throws(PostgresError) in
            guard !session.inTransaction else {
                throw PostgresError(
                    code: .misuse,
                    message:
                        "query called on the connection inside its own withTransaction; use the transaction's query",
                    endpoint: session.endpoint
                )
            }
            let limit = try Self.limit(timeout: timeout, deadline: deadline, endpoint: session.endpoint)
            return try session.execute(sql, parameters, timeout: limit)
        }
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (and rethrows).
    ///
    /// - Parameters:
    ///   - deadline: Each statement's `statement_timeout` (set with `SET LOCAL`) is the time left until it.
    ///   - body: The unit of work; run its statements through the given ``PostgresTransaction``.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws (after the rollback), or ``PostgresError`` from BEGIN or COMMIT.
    public func withTransaction<T>(
        deadline: ContinuousClock.Instant? = nil, _ body: (PostgresTransaction) throws -> T
    ) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard !session.inTransaction else {
            throw PostgresError(
                code: .misuse, message: "withTransaction called inside a transaction; nest work in the same body",
                endpoint: session.endpoint
            )
        }
        let limit = try Self.limit(timeout: nil, deadline: deadline, endpoint: session.endpoint)
        _ = try session.execute("BEGIN", [], timeout: limit)
        session.inTransaction = true
        let transaction = PostgresTransaction(session: session, deadline: deadline)
        let value: T
        do {
            value = try body(transaction)
        } catch {
            rollback()
            throw error
        }
        do {
            _ = try session.execute("COMMIT", [], timeout: nil)
            session.transactionEnded()
        } catch {
            rollback()
            throw error
        }
        return value
    }

    private func rollback() {
        do {
            _ = try session.execute("ROLLBACK", [], timeout: nil)
        } catch {
            // The connection is gone or broken: the server rolls back on its side; start afresh.
            session.logger.info("ROLLBACK failed; dropping the connection", metadata: ["db.error": "\(error)"])
            session.drop()
        }
        session.transactionEnded()
    }

    private func locked<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// The sooner of `timeout` and the time left until `deadline`.
    static func limit(
        timeout: Duration?, deadline: ContinuousClock.Instant?, endpoint: String
    ) throws(PostgresError) -> Duration? {
        guard let deadline else { return timeout }
        let left = deadline - .now
        guard left > .zero else {
            throw PostgresError(
                code: .timeout, message: "the deadline passed before the statement was sent", endpoint: endpoint)
        }
        return timeout.map { min($0, left) } ?? left
    }
}
