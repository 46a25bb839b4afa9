import Broker
import Foundation
import Logging
import Postgres

/// Moves committed `celerity_outbox` rows to Redis as ordinary Celery messages, once per task id
/// (docs/outbox.md). `celerity outbox relay` runs one; so does a worker node started with `--outbox`.
///
/// Each step, in one PostgreSQL transaction: take up to ``OutboxRelayConfiguration/batchSize`` pending rows,
/// oldest first, `FOR UPDATE SKIP LOCKED` (so several relays share the work without waiting on one another);
/// push their messages with ``OutboxPush`` (push and marker in one Lua step); mark the rows sent; commit. A relay
/// killed anywhere leaves either rows still pending whose markers are set (the next relay only marks them) or
/// rows not pushed at all (the next relay pushes them). Between steps it waits for a `NOTIFY` from the table's
/// trigger, or the poll interval. Now and then it writes the pending count to Redis (``OutboxReport``) and
/// deletes sent rows older than the retention.
public final class OutboxRelay: Service {
    /// The configuration.
    public let configuration: OutboxRelayConfiguration
    private let logger: Logger

    /// A relay; nothing connects before ``run()``.
    public init(configuration: OutboxRelayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Relays until the calling task is cancelled: the entry point for a Swift program that runs a relay itself
    /// (``OutboxRelayingApplication``); the same as ``run(until:)`` with a shutdown asked at cancellation.
    public func run() async {
        await Shutdown.whenCancelled { await run(until: $0) }
    }

    /// Relays, on a thread of its own (libpq and hiredis block), until `shutdown` asks; then finishes the step in
    /// progress and returns. Connection failures (PostgreSQL or Redis restarting) are logged and retried with
    /// back-off; nothing is lost meanwhile.
    package func run(until shutdown: Shutdown) async {
        await PosixThread.run(name: "outbox-relay") { [configuration, logger] in
            OutboxRelayLoop(configuration: configuration, logger: logger, shutdown: shutdown).run()
        }
    }
}

/// The relay's blocking loop and its connections, on the relay's own thread.
final class OutboxRelayLoop {
    let configuration: OutboxRelayConfiguration
    let logger: Logger
    let shutdown: Shutdown
    let database: PostgresConnection
    let listener: PostgresListener?
    let redis: RedisConnection
    let push: OutboxPush
    private var nextReport = ContinuousClock.now
    private var nextPrune = ContinuousClock.now

    init(configuration: OutboxRelayConfiguration, logger: Logger, shutdown: Shutdown) {
        self.configuration = configuration
        self.logger = logger
        self.shutdown = shutdown
        var databaseConfiguration = configuration.database
        databaseConfiguration.applicationName = "celerity-outbox-relay"
        database = PostgresConnection(configuration: databaseConfiguration, logger: logger)
        listener = configuration.listen
            ? try? PostgresListener(configuration: databaseConfiguration, channel: OutboxSQL.channel, logger: logger) : nil
        redis = RedisConnection(configuration: configuration.redis, logger: logger)
        push = OutboxPush(connection: redis, markerTTL: configuration.markerTTL, sender: SentCounter.clientSender)
    }

    private var stopped: Bool { shutdown.isRequested }

    func run() {
        logger.info(
            "outbox relay started",
            metadata: [
                "db.endpoint": "\(configuration.database)", "outbox.batch_size": "\(configuration.batchSize)",
                "outbox.listen": "\(configuration.listen)",
            ]
        )
        var failures = 0
        while !stopped {
            do {
                let taken = try step()
                try housekeeping()
                if failures > 0 { logger.info("outbox relay recovered") }
                failures = 0
                if taken < configuration.batchSize { waitForWork() }
            } catch {
                failures += 1
                let delay = Backoff(base: .milliseconds(50), cap: .seconds(2)).delay(afterAttempts: failures)
                logger.warning(
                    "outbox relay step failed; retrying",
                    metadata: ["error": "\(error)", "outbox.retry_in": "\(delay)", "outbox.failures": "\(failures)"]
                )
                pause(delay)
            }
        }
        listener?.close()
        database.close()
        redis.close()
        logger.info("outbox relay stopped")
    }

    /// One transaction: take pending rows, push them, mark them sent. Returns the rows taken.
    func step() throws -> Int {
        try database.withTransaction { transaction in
            let rows = try transaction.query(OutboxSQL.takePending, [.int(configuration.batchSize)])
            guard !rows.isEmpty else { return 0 }
            var items: [OutboxPush.Item] = []
            var failed: [OutboxRowError] = []
            items.reserveCapacity(rows.count)
            for row in rows {
                do throws(OutboxRowError) {
                    let outboxRow = try OutboxRow(row: row)
                    items.append(OutboxPush.Item(taskID: outboxRow.taskID, message: try outboxRow.message()))
                } catch {
                    failed.append(error)
                }
            }
            let pushed = try push(items)
            if pushed < items.count {
                logger.info(
                    "outbox rows were already queued by an earlier relay; marking them sent without pushing again",
                    metadata: ["outbox.already_queued": "\(items.count - pushed)"]
                )
            }
            if !items.isEmpty {
                try transaction.query(OutboxSQL.markSent, [.text(OutboxSQL.textArray(items.map(\.taskID)))])
            }
            for failure in failed {
                logger.error(
                    "outbox row cannot become a message; kept with its error, never sent",
                    metadata: ["task.id": "\(failure.taskID)", "error": "\(failure.reason)"]
                )
                try transaction.query(OutboxSQL.markFailed, [.text(failure.taskID), .text(failure.reason)])
            }
            logger.debug(
                "outbox rows relayed",
                metadata: ["outbox.taken": "\(rows.count)", "outbox.pushed": "\(pushed)", "outbox.failed": "\(failed.count)"]
            )
            return rows.count
        }
    }

    /// Writes the pending count for `/metrics` and deletes old sent rows, when each is due.
    private func housekeeping() throws {
        let now = ContinuousClock.now
        if now >= nextReport {
            let counts = try database.query(OutboxSQL.count)
            let report = OutboxReport(
                pending: try counts[0].decode("pending"), oldestPending: try counts[0].decodeIfPresent("oldest"),
                failed: try counts[0].decode("failed"), observedAt: Date()
            )
            _ = try redis.send(report.command)
            nextReport = now + configuration.reportInterval
        }
        if now >= nextPrune {
            let seconds = String(max(1, configuration.retention.components.seconds))
            var deleted = 0
            repeat {
                deleted = try database.query(OutboxSQL.prune, [.text(seconds), .int(OutboxSQL.pruneChunk)]).affectedRows
                if deleted > 0 { logger.info("outbox rows pruned", metadata: ["outbox.deleted": "\(deleted)"]) }
            } while deleted == OutboxSQL.pruneChunk && !stopped
            nextPrune = now + min(configuration.pruneInterval, configuration.retention)
        }
    }

    /// Waits for a `NOTIFY`, the poll interval or the stop, in short slices so a stop is seen quickly.
    private func waitForWork() {
        let deadline = ContinuousClock.now + configuration.pollInterval
        while !stopped, ContinuousClock.now < deadline {
            let slice = min(deadline - ContinuousClock.now, .milliseconds(250))
            guard let listener else {
                PosixThread.sleep(for: slice)
                continue
            }
            do {
                if try listener.wait(timeout: slice) { return }
            } catch {
                logger.info("outbox LISTEN connection failed; polling until it is back", metadata: ["error": "\(error)"])
                PosixThread.sleep(for: slice)
            }
        }
    }

    private func pause(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !stopped, ContinuousClock.now < deadline {
            PosixThread.sleep(for: min(deadline - ContinuousClock.now, .milliseconds(100)))
        }
    }
}
