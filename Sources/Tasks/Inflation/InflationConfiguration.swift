import Foundation
import TaskAPI

/// What `inflation.update` reads from the worker's settings (docs/jobs.md).
struct InflationConfiguration: Sendable {
    /// `CELERITY_INFLATION_SOURCE_URL`: where the monthly series is fetched (a GET).
    var sourceURL: String
    /// `CELERITY_INFLATION_SOURCE_FORMAT`: `indec` (default) or `bcra`.
    var format: InflationSource = .indec
    /// `CELERITY_INFLATION_RANGE`: the accepted monthly rates, `0.02-0.08` by default (fractions).
    var range: ClosedRange<Double> = 0.02...0.08
    /// `CELERITY_INFLATION_ENV_FILE`: the consuming service's env file, where `INFLATION_RATE=` is written.
    var envFile: String
    /// `CELERITY_INFLATION_RELOAD_URL` or `CELERITY_INFLATION_RELOAD_COMMAND`, and `CELERITY_INFLATION_HEALTH_URL`.
    var control: ServiceControl
    /// With no period given, the latest published month must be at least this recent: the month before last
    /// (INDEC publishes a month's CPI in the middle of the next one, and the schedule runs on the 1st).
    var maximumLagMonths = 2

    /// The settings that must be set for the job to run.
    static let requiredKeys = ["CELERITY_INFLATION_SOURCE_URL", "CELERITY_INFLATION_ENV_FILE"]

    /// Reads the configuration; `nil` when the job is not configured (a required key is missing).
    /// - Throws: ``SettingsError`` for a value that is set but unusable (the worker stops, naming it).
    static func load(_ settings: Settings) throws -> InflationConfiguration? {
        let formatText = settings.string("CELERITY_INFLATION_SOURCE_FORMAT", default: "indec").lowercased()
        guard let format = InflationSource(rawValue: formatText) else {
            throw SettingsError(key: "CELERITY_INFLATION_SOURCE_FORMAT", problem: "must be indec or bcra")
        }
        let range = try parseRange(settings["CELERITY_INFLATION_RANGE"])
        let reload = try ServiceControl.reload(
            url: settings["CELERITY_INFLATION_RELOAD_URL"], command: settings["CELERITY_INFLATION_RELOAD_COMMAND"],
            key: "CELERITY_INFLATION"
        )
        guard let sourceURL = settings["CELERITY_INFLATION_SOURCE_URL"],
            let envFile = settings["CELERITY_INFLATION_ENV_FILE"]
        else { return nil }
        return InflationConfiguration(
            sourceURL: sourceURL, format: format, range: range, envFile: envFile,
            control: ServiceControl(
                reload: reload, healthURLs: settings["CELERITY_INFLATION_HEALTH_URL"].map { [$0] } ?? [])
        )
    }

    /// `0.02-0.08` → 0.02...0.08; the default when `nil`.
    static func parseRange(_ text: String?) throws -> ClosedRange<Double> {
        guard let text else { return 0.02...0.08 }
        let parts = text.split(separator: "-").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low <= high else {
            throw SettingsError(key: "CELERITY_INFLATION_RANGE", problem: "must be LOW-HIGH fractions, e.g. 0.02-0.08")
        }
        return low...high
    }
}
