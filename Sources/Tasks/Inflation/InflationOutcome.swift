/// What `inflation.update` returns.
struct InflationOutcome: Codable, Sendable, Hashable {
    /// `applied`, `unchanged` or `rejected`.
    var status: String
    var period: String?
    var rate: Double?
    var source: String
    /// The previous month's applied rate, when stored.
    var previousRate: Double?
    /// `rate - previousRate`.
    var change: Double?
    /// For `rejected`: `malformed`, `missing`, `stale` or `out_of_range`.
    var reason: String?
    var message: String?

    init(status: String, period: String?, rate: Double?, source: String) {
        self.status = status
        self.period = period
        self.rate = rate
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case status, period, rate, source, change, reason, message
        case previousRate = "previous_rate"
    }
}
