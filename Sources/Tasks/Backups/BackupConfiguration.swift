import Broker
import Foundation

/// Where backups go, what they cover and how long they are kept; read from the environment by
/// ``fromEnvironment(_:)``.
public struct BackupConfiguration: Sendable {
    /// The root directory: `postgresql/`, `redis/` and `config/` live under it. Default `/var/lib/celerity/backups`.
    public var directory: String
    /// The database to back up, a `postgresql://` URL (`CELERITY_BACKUP_DATABASE_URL`, else
    /// `CELERITY_DATABASE_URL`); `nil` when neither is set.
    public var databaseURL: String?
    /// The broker's Redis, whose dataset `backups.redis` snapshots.
    public var redis: RedisConfiguration
    /// The files `backups.config` archives.
    public var configFiles: [String]
    /// The off-site copy run per finished file, if configured.
    public var offsiteCopy: OffsiteCopy?
    /// Days a PostgreSQL backup is kept. Default 30.
    public var postgresRetentionDays: Int
    /// Days a Redis backup is kept. Default 7.
    public var redisRetentionDays: Int
    /// Days a configuration archive is kept. Default 30.
    public var configRetentionDays: Int
    /// `backups.verify` fails unless more tables than this come back. Default 3.
    public var verifyMinimumTables: Int
    /// The recovery time objective the measured restore time is recorded beside. 30 minutes.
    public var recoveryTimeObjective: Duration = .seconds(30 * 60)
    /// A PostgreSQL backup of at most this many bytes is a failure. 1000.
    public var postgresMinimumSize: Int64 = 1000

    /// Creates a configuration.
    public init(
        directory: String,
        databaseURL: String?,
        redis: RedisConfiguration,
        configFiles: [String] = [],
        offsiteCopy: OffsiteCopy? = nil,
        postgresRetentionDays: Int = 30,
        redisRetentionDays: Int = 7,
        configRetentionDays: Int = 30,
        verifyMinimumTables: Int = 3
    ) {
        self.directory = directory
        self.databaseURL = databaseURL
        self.redis = redis
        self.configFiles = configFiles
        self.offsiteCopy = offsiteCopy
        self.postgresRetentionDays = postgresRetentionDays
        self.redisRetentionDays = redisRetentionDays
        self.configRetentionDays = configRetentionDays
        self.verifyMinimumTables = verifyMinimumTables
    }

    /// Reads `CELERITY_BACKUP_DIR`, `CELERITY_BACKUP_DATABASE_URL` (else `CELERITY_DATABASE_URL`),
    /// `CELERITY_REDIS_URL`, `CELERITY_BACKUP_CONFIG_FILES` (comma-separated), `CELERITY_BACKUP_OFFSITE_COMMAND`, `CELERITY_BACKUP_OFFSITE_ENV`,
    /// `CELERITY_BACKUP_RETENTION_POSTGRES` / `_REDIS` / `_CONFIG` (days) and
    /// `CELERITY_BACKUP_VERIFY_MIN_TABLES`.
    ///
    /// - Throws: ``BackupError`` with code `configuration`, one line naming the variable that is wrong.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> BackupConfiguration {
        try load { environment[$0] }
    }

    /// Reads the same variables as ``fromEnvironment(_:)`` through `lookup` (a worker's settings: flags, then
    /// the environment, then the configuration file).
    public static func load(_ lookup: (String) -> String?) throws -> BackupConfiguration {
        func value(_ name: String) -> String? {
            guard let text = lookup(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func days(_ name: String, default fallback: Int) throws -> Int {
            guard let text = value(name) else { return fallback }
            guard let days = Int(text), days >= 1 else {
                throw BackupError(.configuration, "\(name)=\(text) is not a whole number of days (1 or more)")
            }
            return days
        }
        let redis: RedisConfiguration
        if let url = value("CELERITY_REDIS_URL") {
            do {
                redis = try RedisConfiguration(url: url)
            } catch {
                throw BackupError(.configuration, "CELERITY_REDIS_URL: \(error)")
            }
        } else {
            redis = .localDefault
        }
        let databaseURL = value("CELERITY_BACKUP_DATABASE_URL") ?? value("CELERITY_DATABASE_URL")
        if let databaseURL {
            let name = value("CELERITY_BACKUP_DATABASE_URL") != nil ? "CELERITY_BACKUP_DATABASE_URL" : "CELERITY_DATABASE_URL"
            _ = try PostgresToolTarget(url: databaseURL, name: name)
        }
        let minimumTables = value("CELERITY_BACKUP_VERIFY_MIN_TABLES")
        var configuration = BackupConfiguration(
            directory: value("CELERITY_BACKUP_DIR") ?? "/var/lib/celerity/backups",
            databaseURL: databaseURL,
            redis: redis,
            configFiles: (value("CELERITY_BACKUP_CONFIG_FILES") ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            offsiteCopy: try value("CELERITY_BACKUP_OFFSITE_COMMAND").map {
                var copy = try OffsiteCopy(template: $0)
                copy.passedVariables = (value("CELERITY_BACKUP_OFFSITE_ENV") ?? "").split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return copy
            },
            postgresRetentionDays: try days("CELERITY_BACKUP_RETENTION_POSTGRES", default: 30),
            redisRetentionDays: try days("CELERITY_BACKUP_RETENTION_REDIS", default: 7),
            configRetentionDays: try days("CELERITY_BACKUP_RETENTION_CONFIG", default: 30)
        )
        if let minimumTables {
            guard let number = Int(minimumTables), number >= 0 else {
                throw BackupError(.configuration, "CELERITY_BACKUP_VERIFY_MIN_TABLES=\(minimumTables) is not a number")
            }
            configuration.verifyMinimumTables = number
        }
        return configuration
    }

    /// The directory holding a kind's files.
    public func directory(for kind: BackupKind) -> String {
        (directory as NSString).appendingPathComponent(kind.directoryName)
    }

    /// The retention of a kind, in days (`verify` writes no files: 0).
    public func retentionDays(for kind: BackupKind) -> Int {
        switch kind {
        case .postgres: postgresRetentionDays
        case .redis: redisRetentionDays
        case .config: configRetentionDays
        case .verify: 0
        }
    }

    /// The database target for `pg_dump`, or a configuration error saying what to set.
    func databaseTarget() throws -> PostgresToolTarget {
        guard let databaseURL else {
            throw BackupError(
                .configuration, "no database to back up: set CELERITY_BACKUP_DATABASE_URL or CELERITY_DATABASE_URL"
            )
        }
        return try PostgresToolTarget(url: databaseURL, name: "CELERITY_BACKUP_DATABASE_URL")
    }
}
