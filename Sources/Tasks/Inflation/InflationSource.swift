import Broker
import Foundation

/// The two public shapes a monthly inflation rate is read from (`CELERITY_INFLATION_SOURCE_FORMAT`); fixtures in
/// `Tests/TasksTests/Fixtures` pin both.
enum InflationSource: String, Sendable, CaseIterable {
    /// The Argentine time-series API (apis.datos.gob.ar/series), e.g. INDEC's national CPI with
    /// `representation_mode=percent_change`: `{"data": [["2024-11-01", 0.0243], …], "meta": …}`, each row a month's
    /// first day and the change as a fraction (0.0243 = 2.43 %).
    case indec
    /// The BCRA statistics API v3 (`/estadisticas/v3.0/monetarias/27`, "Inflación mensual (variación en %)"):
    /// `{"status": 200, "results": [{"idVariable": 27, "detalle": [{"fecha": "2024-11-30", "valor": 2.4}, …]}]}`,
    /// each row dated by a day of its month and valued in percent.
    case bcra

    /// One published month.
    struct Observation: Sendable, Hashable {
        var period: InflationPeriod
        /// The monthly rate as a fraction, rounded to 6 decimals.
        var rate: Double
    }

    /// The months in `body`, in any order.
    /// - Throws: ``InflationRejection`` `.malformed` naming what is wrong (never retried: the same body would come back).
    func observations(_ body: [UInt8]) throws(InflationRejection) -> [Observation] {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes: body)
        } catch {
            throw InflationRejection(.malformed, "the \(rawValue) response is not JSON (\(error))")
        }
        let rows: [(date: JSONValue?, value: JSONValue?)]
        let divisor: Double
        switch self {
        case .indec:
            guard let data = json["data"]?.arrayValue else {
                throw InflationRejection(.malformed, "the indec response has no \"data\" array")
            }
            rows = data.map { ($0.arrayValue?.first, $0.arrayValue.flatMap { $0.count > 1 ? $0[1] : nil }) }
            divisor = 1
        case .bcra:
            guard let results = json["results"]?.arrayValue, let first = results.first else {
                throw InflationRejection(.malformed, "the bcra response has no \"results\"")
            }
            guard let detail = first["detalle"]?.arrayValue else {
                throw InflationRejection(.malformed, "the bcra response has no \"results[0].detalle\" array")
            }
            rows = detail.map { ($0["fecha"], $0["valor"]) }
            divisor = 100
        }
        var observations: [Observation] = []
        for (index, row) in rows.enumerated() {
            // A month not yet published can be null in the series API: skip it, it is not this month's rate.
            if row.value?.isNull == true { continue }
            guard let text = row.date?.stringValue, let period = InflationPeriod(text) else {
                throw InflationRejection(.malformed, "\(rawValue) row \(index) has no date YYYY-MM-DD")
            }
            guard let value = row.value?.doubleValue, value.isFinite else {
                throw InflationRejection(.malformed, "\(rawValue) row \(index) (\(period)) has no numeric value")
            }
            observations.append(
                Observation(period: period, rate: ((value / divisor) * 1_000_000).rounded() / 1_000_000))
        }
        return observations
    }
}
