import Foundation
import HTTP
import Logging
import Postgres
import TaskAPI

/// The monthly inflation update: fetch, validate, store, apply to the consuming service, check it, tell Slack.
///
/// Validation comes first and stores nothing when it fails; the env file is replaced atomically, and when the
/// reload or the health check fails it is restored byte for byte and the service reloaded again. A month already
/// applied at the same rate is left alone, so a re-run (a retry, a redelivery, a second trigger) changes nothing.
final class InflationService: Sendable {
    let configuration: InflationConfiguration
    let http: HTTPClient
    let database: PostgresConnection
    let slack: SlackNotifier
    let now: @Sendable () -> Date

    init(
        configuration: InflationConfiguration, http: HTTPClient, database: PostgresConnection, slack: SlackNotifier,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.http = http
        self.database = database
        self.slack = slack
        self.now = now
    }

    /// Runs one update for `period` (`YYYY-MM`), or for the latest published month when `nil`.
    /// - Returns: `applied`, `unchanged` or `rejected` (with the reason).
    /// - Throws: `HTTPError` / `PostgresError` (transient ones are retried by the task's policy), `TaskError`
    ///   `ValueError` for a malformed period or one older than the newest applied (unless `force`), `RuntimeError` when applying failed (after the restore).
    func update(
        period requested: String?, force: Bool = false, taskID: String, logger: Logger,
        deadline: ContinuousClock.Instant? = nil
    ) async throws -> InflationOutcome {
        var wanted: InflationPeriod?
        if let requested {
            guard let period = InflationPeriod(requested) else {
                throw TaskError.valueError("inflation.update: period must be YYYY-MM, got \(requested.prefix(20))")
            }
            wanted = period
        }
        let fetchedAt = now()
        let response = try http.send(
            HTTPRequest(url: configuration.sourceURL, headers: [("Accept", "application/json")]), deadline: deadline
        )
        let source = "\(configuration.format.rawValue) \(response.url.host)"
        let observation: InflationSource.Observation
        do {
            observation = try choose(configuration.format.observations(response.body), wanted: wanted, today: fetchedAt)
        } catch {
            return reject(error, period: wanted, source: source, logger: logger, deadline: deadline)
        }
        let period = observation.period
        let rate = observation.rate

        let stored = try database.query(
            "SELECT period, rate::float8 AS rate FROM inflation_rates WHERE period IN ($1, $2)",
            [.text(period.description), .text(period.adding(months: -1).description)], deadline: deadline
        )
        var storedRates: [String: Double] = [:]
        for row in stored { storedRates[try row.decode("period")] = try row.decode("rate") }
        if let current = storedRates[period.description], current == rate {
            logger.info("inflation rate already applied", metadata: ["period": "\(period)", "rate": "\(rate)"])
            return InflationOutcome(status: "unchanged", period: period.description, rate: rate, source: source)
        }
        if !force,
            let newest = try database.query("SELECT max(period) AS newest FROM inflation_rates", [], deadline: deadline)
                .first?.decodeIfPresent("newest", as: String.self),
            newest > period.description
        {
            throw TaskError.valueError(
                "inflation.update: \(period) is older than \(newest), the newest month applied; applying it would roll "
                    + "the live rate back. Pass force=True to do that on purpose")
        }
        let previous = storedRates[period.adding(months: -1).description]

        try await apply(rate: rate, period: period, logger: logger, deadline: deadline)
        try database.query(
            """
            INSERT INTO inflation_rates (period, rate, source, fetched_at, applied_at, task_id)
            VALUES ($1, $2, $3, $4, now(), $5)
            ON CONFLICT (period) DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source,
                fetched_at = EXCLUDED.fetched_at, applied_at = EXCLUDED.applied_at, task_id = EXCLUDED.task_id
            """,
            [.text(period.description), .text(Self.text(rate)), .text(source), .timestamp(fetchedAt), .text(taskID)],
            deadline: deadline
        )
        var outcome = InflationOutcome(status: "applied", period: period.description, rate: rate, source: source)
        outcome.previousRate = previous
        outcome.change = previous.map { ((rate - $0) * 1_000_000).rounded() / 1_000_000 }
        var text: SlackText = "Inflation rate for \(period) applied: \(Self.percent(rate)) (INFLATION_RATE=\(Self.text(rate)))"
        if let previous {
            let points = (rate - previous) * 100
            text = text
                + ", \(points >= 0 ? "+" : "")\(String(format: "%.2f", points)) points from \(period.adding(months: -1))"
                + " (\(Self.percent(previous)))"
        } else {
            text = text + "; no rate stored for \(period.adding(months: -1))"
        }
        slack.notify(text + ". Source: \(source).", deadline: deadline)
        logger.info("inflation rate applied", metadata: ["period": "\(period)", "rate": "\(rate)"])
        return outcome
    }

    /// The observation to apply, or why there is none.
    func choose(
        _ observations: [InflationSource.Observation], wanted: InflationPeriod?, today: Date
    ) throws(InflationRejection) -> InflationSource.Observation {
        let chosen: InflationSource.Observation
        if let wanted {
            guard let match = observations.last(where: { $0.period == wanted }) else {
                throw InflationRejection(.missing, "the source has no rate for \(wanted)")
            }
            chosen = match
        } else {
            guard let latest = observations.max(by: { $0.period < $1.period }) else {
                throw InflationRejection(.missing, "the source returned no monthly rate")
            }
            let expected = InflationPeriod(containing: today).adding(months: -configuration.maximumLagMonths)
            guard latest.period >= expected else {
                throw InflationRejection(
                    .stale, "the latest published month is \(latest.period); expected \(expected) or later"
                )
            }
            chosen = latest
        }
        guard configuration.range.contains(chosen.rate) else {
            throw InflationRejection(
                .outOfRange,
                "\(Self.text(chosen.rate)) for \(chosen.period) is outside \(Self.text(configuration.range.lowerBound))"
                    + "-\(Self.text(configuration.range.upperBound)) (CELERITY_INFLATION_RANGE)"
            )
        }
        return chosen
    }

    private func reject(
        _ rejection: InflationRejection, period: InflationPeriod?, source: String, logger: Logger,
        deadline: ContinuousClock.Instant?
    ) -> InflationOutcome {
        logger.warning("inflation update rejected", metadata: ["reason": "\(rejection)"])
        slack.notify(
            ":warning: Inflation update rejected (\(rejection.reason.rawValue)): \(rejection.message). Nothing was "
                + "stored or applied; source: \(source).",
            deadline: deadline
        )
        var outcome = InflationOutcome(status: "rejected", period: period?.description, rate: nil, source: source)
        outcome.reason = rejection.reason.rawValue
        outcome.message = rejection.message
        return outcome
    }

    /// Writes `INFLATION_RATE`, reloads and checks; on any failure restores the file, reloads again and alerts.
    private func apply(
        rate: Double, period: InflationPeriod, logger: Logger, deadline: ContinuousClock.Instant?
    ) async throws {
        // Held until the last restore: a rotation of the same file waits, and our rollback cannot revert it.
        let envLock = try EnvFileLock(path: configuration.envFile)
        defer { withExtendedLifetime(envLock) {} }
        var file = try EnvFile(path: configuration.envFile)
        try file.set("INFLATION_RATE", Self.text(rate))
        let control = configuration.control
        do {
            try file.write()
            try await control.reloadService(http: http, logger: logger)
            try control.checkHealth(http: http)
        } catch {
            var restored = "the previous env file was restored"
            do {
                try file.restore()
                try await control.reloadService(http: http, logger: logger)
            } catch let restoreError {
                restored =
                    "restoring the previous env file failed too (\(restoreError)): check \(configuration.envFile)"
            }
            logger.error("inflation rate not applied", metadata: ["period": "\(period)", "error": "\(error)"])
            slack.notify(
                ":rotating_light: Inflation update for \(period) FAILED while applying \(Self.percent(rate)): \(error); "
                    + "\(restored) and the service reloaded.",
                deadline: deadline
            )
            throw TaskError(
                type: "RuntimeError",
                message: "inflation.update: applying \(Self.text(rate)) for \(period) failed: "
                    + "\(error); \(restored)"
            )
        }
    }

    /// `0.0243` (no exponent, no trailing zeros).
    static func text(_ rate: Double) -> String {
        var text = String(format: "%.6f", rate)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `2.43 %`.
    static func percent(_ rate: Double) -> String { String(format: "%.2f %%", rate * 100) }
}
