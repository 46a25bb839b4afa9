import Broker
import Postgres
import TaskAPI

/// How a relay moves `celerity_outbox` rows to Redis (docs/outbox.md). Filled from `celerity outbox relay`'s
/// flags, then `CELERITY_OUTBOX_*` environment variables (``init(database:redis:environment:)``), then the
/// defaults documented here.
public struct OutboxRelayConfiguration: Sendable {
    /// The application's database, where the outbox table is.
    public var database: PostgresConfiguration
    /// The broker.
    public var redis: RedisConfiguration
    /// Most rows moved in one transaction and one Redis script. Default 500 (`CELERITY_OUTBOX_BATCH_SIZE`).
    public var batchSize = 500
    /// How long the relay waits for a `NOTIFY` before it looks anyway. Default 1 s (`CELERITY_OUTBOX_POLL_INTERVAL`).
    public var pollInterval: Duration = .seconds(1)
    /// Whether it `LISTEN`s at all (without, it only polls). Default on (`CELERITY_OUTBOX_LISTEN=0` turns it off).
    public var listen = true
    /// How long sent rows are kept before they are deleted. Default 7 days (`CELERITY_OUTBOX_RETENTION`).
    public var retention: Duration = .seconds(7 * 86_400)
    /// How long a task id's marker stays in Redis. A relay that dies between the push and marking the row sent is
    /// safe as long as some relay looks at the row again within this time. Default 1 day
    /// (`CELERITY_OUTBOX_MARKER_TTL`).
    public var markerTTL: Duration = .seconds(86_400)
    /// How often the pending count is written for `/metrics` and `celerity status`. Default 5 s.
    public var reportInterval: Duration = .seconds(5)
    /// How often sent rows past the retention are deleted (at least once per retention). Default 60 s.
    public var pruneInterval: Duration = .seconds(60)

    /// A configuration with the defaults.
    public init(database: PostgresConfiguration, redis: RedisConfiguration) {
        self.database = database
        self.redis = redis
    }

    /// A configuration with the `CELERITY_OUTBOX_*` variables of `environment` over the defaults (durations in
    /// seconds).
    /// - Throws: ``OutboxConfigurationError`` naming the variable that is not a valid value.
    public init(
        database: PostgresConfiguration, redis: RedisConfiguration, environment: [String: String]
    ) throws(OutboxConfigurationError) {
        self.init(database: database, redis: redis)
        if let text = environment["CELERITY_OUTBOX_BATCH_SIZE"] { batchSize = try Self.batchSize(text, name: "CELERITY_OUTBOX_BATCH_SIZE") }
        if let text = environment["CELERITY_OUTBOX_POLL_INTERVAL"] {
            pollInterval = try Self.seconds(text, name: "CELERITY_OUTBOX_POLL_INTERVAL", range: 0.001...3600)
        }
        if let text = environment["CELERITY_OUTBOX_LISTEN"] {
            guard ["0", "1"].contains(text) else { throw OutboxConfigurationError("CELERITY_OUTBOX_LISTEN must be 0 or 1") }
            listen = text == "1"
        }
        if let text = environment["CELERITY_OUTBOX_RETENTION"] {
            retention = try Self.seconds(text, name: "CELERITY_OUTBOX_RETENTION", range: 1...(10 * 365 * 86_400))
        }
        if let text = environment["CELERITY_OUTBOX_MARKER_TTL"] {
            markerTTL = try Self.seconds(text, name: "CELERITY_OUTBOX_MARKER_TTL", range: 60...(365 * 86_400))
        }
    }

    /// A batch size from text: a whole number 1-5000.
    public static func batchSize(_ text: String, name: String) throws(OutboxConfigurationError) -> Int {
        guard let value = Int(text), (1...5000).contains(value) else {
            throw OutboxConfigurationError("\(name) must be a whole number from 1 to 5000 (got \"\(text)\")")
        }
        return value
    }

    /// A duration from text in seconds, within `range`.
    public static func seconds(
        _ text: String, name: String, range: ClosedRange<Double>
    ) throws(OutboxConfigurationError) -> Duration {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw OutboxConfigurationError(
                "\(name) must be a number of seconds from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")"
            )
        }
        return .milliseconds(Int64(value * 1000))
    }
}

/// A relay setting that is not a valid value; the message names it.
public struct OutboxConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, and with which setting.
    public var description: String

    init(_ description: String) { self.description = description }
}

extension OutboxRelayConfiguration {
    /// The settings every relay reads: `CELERITY_DATABASE_URL` (required) and the `CELERITY_OUTBOX_*` variables.
    public static let settingKeys = [
        "CELERITY_OUTBOX_BATCH_SIZE", "CELERITY_OUTBOX_POLL_INTERVAL", "CELERITY_OUTBOX_LISTEN", "CELERITY_OUTBOX_RETENTION",
        "CELERITY_OUTBOX_MARKER_TTL",
    ]

    /// A configuration from the application's settings (flags, environment, configuration file).
    /// - Throws: ``OutboxConfigurationError`` naming the missing database URL or the invalid setting (never the
    ///   password).
    public init(settings: Settings, redis: RedisConfiguration) throws(OutboxConfigurationError) {
        guard let url = settings.secret("CELERITY_DATABASE_URL")?.value, !url.isEmpty else {
            throw OutboxConfigurationError(
                "the outbox needs the application's database: pass --database-url or set CELERITY_DATABASE_URL "
                    + "(postgresql://user:password@host:port/database)"
            )
        }
        let database: PostgresConfiguration
        do {
            database = try PostgresConfiguration(url: url)
        } catch {
            throw OutboxConfigurationError("\(error)")
        }
        var values: [String: String] = [:]
        for key in Self.settingKeys { values[key] = settings[key] }
        try self.init(database: database, redis: redis, environment: values)
    }
}
