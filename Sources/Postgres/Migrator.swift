import Foundation
import Logging

/// Applies ``Migration`` steps in order, each once, each in its own transaction.
///
/// The applied versions live in `celerity_schema_migrations (version, name, applied_at)`. Every step's
/// transaction first takes `pg_advisory_xact_lock`, so migrators started at the same time (several deployments,
/// several CLI runs) apply each step once, one after the other. A step that fails rolls back completely, is not
/// recorded, and stops the run; the next run starts again from it. A second run applies nothing.
public struct Migrator: Sendable {
    /// What is applied and what is pending.
    public struct Status: Sendable {
        /// The recorded steps, in version order.
        public var applied: [AppliedMigration]
        /// The known steps not yet recorded, in order.
        public var pending: [Migration]
    }

    /// A recorded step.
    public struct AppliedMigration: Sendable, Hashable {
        /// The step's version.
        public var version: Int
        /// The step's name when it was applied.
        public var name: String
        /// When it was applied.
        public var appliedAt: Date
    }

    /// The advisory-lock key all migrators share (`'celmig'` as a number).
    static let lockKey = 0x63_65_6C_6D_69_67

    private static let createTable = """
        CREATE TABLE IF NOT EXISTS celerity_schema_migrations (
            version bigint PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    private let connection: PostgresConnection
    private let migrations: [Migration]
    private let logger: Logger

    /// A migrator for `migrations` (any order; sorted by version here).
    /// - Throws: ``PostgresError`` `.configuration` when two steps share a version.
    public init(connection: PostgresConnection, migrations: [Migration], logger: Logger) throws(PostgresError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (first, second) in zip(sorted, sorted.dropFirst()) where first.version == second.version {
            throw PostgresError(
                code: .configuration,
                message: "two migrations have version \(first.version) (\(first.name), \(second.name))",
                endpoint: connection.configuration.description
            )
        }
        self.connection = connection
        self.migrations = sorted
        self.logger = logger
    }

    /// The applied and pending steps.
    /// - Throws: ``PostgresError`` when the database cannot be read.
    public func status() throws(PostgresError) -> Status {
        let present = try connection.query("SELECT to_regclass('celerity_schema_migrations') IS NOT NULL AS present")
        let applied: [AppliedMigration]
        if try present.first?.decode("present", as: Bool.self) == true {
            applied = try connection.query(
                "SELECT version, name, applied_at FROM celerity_schema_migrations ORDER BY version"
            ).map { row throws(PostgresError) in
                AppliedMigration(
                    version: try row.decode("version"), name: try row.decode("name"),
                    appliedAt: try row.decode("applied_at")
                )
            }
        } else {
            applied = []
        }
        let done = Set(applied.map(\.version))
        return Status(applied: applied, pending: migrations.filter { !done.contains($0.version) })
    }

    /// Applies every pending step, in order, and returns the steps applied now (empty: nothing to do).
    /// - Throws: ``PostgresError`` from the first step that fails (it is rolled back and not recorded; the steps
    ///   before it stay applied).
    @discardableResult
    public func migrate() throws -> [Migration] {
        try connection.withTransaction { transaction in
            try transaction.query("SELECT pg_advisory_xact_lock($1)", [.int(Self.lockKey)])
            try transaction.query(Self.createTable)
        }
        var applied: [Migration] = []
        for migration in migrations {
            let ran = try connection.withTransaction { transaction in
                try transaction.query("SELECT pg_advisory_xact_lock($1)", [.int(Self.lockKey)])
                let recorded = try transaction.query(
                    "SELECT 1 FROM celerity_schema_migrations WHERE version = $1", [.int(migration.version)]
                )
                guard recorded.isEmpty else { return false }
                do throws(PostgresError) {
                    try transaction.executeScript(migration.sql)
                } catch {
                    throw PostgresError(
                        code: error.code, sqlState: error.sqlState,
                        message: "migration \(migration.version) (\(migration.name)) failed and was rolled back: "
                            + error.message,
                        endpoint: error.endpoint
                    )
                }
                try transaction.query(
                    "INSERT INTO celerity_schema_migrations (version, name) VALUES ($1, $2)",
                    [.int(migration.version), .text(migration.name)]
                )
                return true
            }
            if ran {
                logger.info(
                    "applied migration",
                    metadata: [
                        "db.migration.version": "\(migration.version)", "db.migration.name": "\(migration.name)",
                    ]
                )
                applied.append(migration)
            }
        }
        return applied
    }
}
