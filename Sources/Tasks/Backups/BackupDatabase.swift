import CLibPQ
import Foundation
import Logging

// TEMPORARY: a minimal libpq adapter until pg-http's `Postgres` module is merged; then this file wraps
// `PostgresConnection` instead and the libpq calls go.

/// The queries the backup jobs make, on one PostgreSQL connection: statements with text parameters, row counts
/// per table, and an exported snapshot for `pg_dump`.
final class BackupDatabase: @unchecked Sendable {
    private let connection: OpaquePointer
    private let lock = NSLock()

    /// Connects to `url`.
    init(url: String, logger: Logger) throws {
        guard let connection = PQconnectdb(url) else { throw BackupError(.database, "libpq could not allocate") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw BackupError(.database, "cannot connect to PostgreSQL: \(message)")
        }
        self.connection = connection
    }

    /// Closes the connection.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        PQfinish(connection)
    }

    /// Runs a statement.
    func execute(_ sql: String, _ parameters: [String?]) async throws {
        _ = try query(sql, parameters)
    }

    /// Runs a query; each row as text values (`nil` for NULL).
    func rows(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        try query(sql, parameters)
    }

    private func query(_ sql: String, _ parameters: [String?]) throws -> [[String?]] {
        lock.lock()
        defer { lock.unlock() }
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let values = copies.map { UnsafePointer($0) }
        guard let result = PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0) else {
            throw BackupError(.database, "PostgreSQL query failed: out of memory")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw BackupError(.database, "PostgreSQL query failed: \(message)")
        }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Rows per table (`schema.table`) in every non-system schema, in the current snapshot.
    func rowCounts() async throws -> [String: Int64] {
        let rows = try query(Self.rowCountQuery, [])
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            guard let table = row[0], let count = row[1].flatMap({ Int64($0) }) else { return nil }
            return (table, count)
        })
    }

    /// Opens a repeatable-read transaction, exports its snapshot, counts rows in it, and runs `body` with the
    /// snapshot id and the counts while the transaction stays open.
    func withSnapshot<T>(_ body: (String, [String: Int64]) async throws -> T) async throws -> T {
        try await execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
        do {
            guard let snapshot = try await rows("SELECT pg_export_snapshot()", []).first?.first ?? nil else {
                throw BackupError(.database, "pg_export_snapshot() returned nothing")
            }
            let counts = try await rowCounts()
            let result = try await body(snapshot, counts)
            try await execute("COMMIT", [])
            return result
        } catch {
            try? await execute("ROLLBACK", [])
            throw error
        }
    }

    /// Every ordinary or partitioned table outside the system schemas with its exact row count, in one query.
    static let rowCountQuery = """
        SELECT n.nspname || '.' || c.relname,
            (xpath('/row/c/text()', query_to_xml(
                format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        ORDER BY 1
        """
}
