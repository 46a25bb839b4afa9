import Foundation
import Logging
import Postgres
import Broker
import TestSupport
import Testing

/// `PostgresError` as a ``TransientError``: which failures of a real PostgreSQL a retry may cure.
@Suite struct PostgresTransientErrorTests {
    /// Serialization failures, deadlocks, lost connections, a server shutting down or out of resources are
    /// transient; a constraint violation, a syntax error or bad input data are permanent.
    @Test func serverErrorsAreClassifiedBySQLState() async throws {
        try await withPostgresServer { server in
            let db = try server.connection()
            for (sqlState, transient) in [
                ("40001", true), ("40P01", true), ("08006", true), ("57P01", true), ("53200", true),
                ("23505", false), ("42601", false), ("22P02", false), ("P0001", false),
            ] {
                let error = try #require(throws: PostgresError.self) {
                    try db.query("DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '\(sqlState)'; END $$")
                }
                #expect(error.sqlState == sqlState)
                #expect(isTransient(error) == transient, "SQLSTATE \(sqlState)")
            }

            try db.query("CREATE TABLE accounts (email text PRIMARY KEY)")
            try db.query("INSERT INTO accounts VALUES ($1)", ["a@example.com"])
            let duplicate = try #require(throws: PostgresError.self) {
                try db.query("INSERT INTO accounts VALUES ($1)", ["a@example.com"])
            }
            #expect(duplicate.sqlState == "23505")
            #expect(!isTransient(duplicate))
        }
    }

    /// The server ending the session inside a transaction (the connection is lost mid-work): transient.
    @Test func connectionLostInATransactionIsTransient() async throws {
        try await withPostgresServer { server in
            let db = try server.connection()
            let lost = try #require(throws: PostgresError.self) {
                try db.withTransaction { tx in try tx.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(isTransient(lost), "\(lost)")
        }
    }

    /// Nothing listening is transient (the server may be starting); a malformed URL is permanent.
    @Test func refusedConnectionIsTransientBadConfigurationPermanent() throws {
        let closedPort = try FreePort.allocate()
        let db = PostgresConnection(
            configuration: try PostgresConfiguration(url: "postgresql://postgres@127.0.0.1:\(closedPort)/postgres"),
            logger: Logger(label: "test")
        )
        let refused = try #require(throws: PostgresError.self) { try db.connect() }
        #expect(refused.code == .connection)
        #expect(isTransient(refused))

        let invalid = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: "mysql://h/db") }
        #expect(invalid.code == .configuration)
        #expect(!isTransient(invalid))
    }

    /// Read through the protocol, as a retry filter does.
    private func isTransient(_ error: any Error) -> Bool { (error as? any TransientError)?.isTransient ?? false }
}
