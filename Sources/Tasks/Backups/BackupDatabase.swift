import Foundation
import Logging
import Postgres

/// The queries the backup jobs make, on one ``PostgresConnection``: statements with text parameters, exact row
/// counts per table, and an exported snapshot for `pg_dump --snapshot`.
struct BackupDatabase: Sendable {
    /// The connection.
    let connection: PostgresConnection

    /// A new connection to `configuration` (made on first use); ``close()`` it when done.
    init(configuration: PostgresConfiguration, logger: Logger) {
        connection = PostgresConnection(configuration: configuration, logger: logger)
    }

    /// Queries on an existing connection (the process's shared one: not closed here).
    init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Closes the connection.
    func close() {
        connection.close()
    }

    /// Runs a statement with text parameters (`nil` is NULL); casts in the SQL give them their types.
    func execute(_ sql: String, _ parameters: [String?]) throws {
        _ = try rows(sql, parameters)
    }

    /// Runs a query; each row as its columns' text (`nil` for NULL), in column order.
    func rows(_ sql: String, _ parameters: [String?]) throws -> [[String?]] {
        do {
            let rows = try connection.query(sql, parameters.map { $0.map(PostgresValue.text) })
            return try rows.map { row in try row.columnNames.map { try row.text($0) } }
        } catch let error as PostgresError {
            throw BackupError(error.isTransient ? .database : .databaseRefused, error.description)
        }
    }

    /// Rows per table (`schema.table`) in every non-system schema.
    func rowCounts() throws -> [String: Int64] {
        Self.counts(try rows(Self.rowCountQuery, []))
    }

    /// Opens a repeatable-read transaction, exports its snapshot, counts the rows in it, and runs `body` with the
    /// snapshot id and the counts while the transaction stays open (so that `pg_dump --snapshot` sees the same
    /// data); then ends the transaction.
    ///
    /// The transaction is driven with BEGIN/COMMIT statements rather than `withTransaction`, whose body cannot
    /// wait for a child process. Should the connection break meanwhile, the snapshot is gone and `pg_dump` fails
    /// on it: the run fails, it does not dump other data than it counted.
    func withSnapshot<T>(_ body: (String, [String: Int64]) async throws -> T) async throws -> T {
        try execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
        do {
            guard let snapshot = try rows("SELECT pg_export_snapshot()", []).first?.first ?? nil else {
                throw BackupError(.database, "pg_export_snapshot() returned nothing")
            }
            let counts = try rowCounts()
            let result = try await body(snapshot, counts)
            try execute("COMMIT", [])
            return result
        } catch {
            try? execute("ROLLBACK", [])
            throw error
        }
    }

    private static func counts(_ rows: [[String?]]) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            guard row.count == 2, let table = row[0], let count = row[1].flatMap({ Int64($0) }) else { return nil }
            return (table, count)
        })
    }

    /// Every ordinary or partitioned table outside the system schemas with its exact row count, in one query.
    static let rowCountQuery = """
        SELECT n.nspname || '.' || c.relname AS table_name,
            (xpath('/row/c/text()', query_to_xml(
                format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS row_count
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        ORDER BY 1
        """
}
