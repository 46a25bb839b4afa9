/// The statements of one ``PostgresConnection/withTransaction(deadline:_:)`` body.
///
/// Valid only inside that body, on its thread.
public struct PostgresTransaction {
    let session: PostgresSession
    let deadline: ContinuousClock.Instant?

    /// Runs one statement in the transaction (see ``PostgresConnection/query(_:_:timeout:deadline:)``);
    /// its `statement_timeout` is set with `SET LOCAL` from `timeout` and the transaction's deadline.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [PostgresValue?] = [], timeout: Duration? = nil
    ) throws(PostgresError) -> PostgresRows {
        let limit = try PostgresConnection.limit(timeout: timeout, deadline: deadline, endpoint: session.endpoint)
        return try session.execute(sql, parameters, timeout: limit)
    }

    /// Runs several parameterless statements at once (simple query protocol): only for migration files compiled
    /// into the binary.
    package func executeScript(_ sql: String) throws(PostgresError) {
        try session.executeScript(sql)
    }
}
