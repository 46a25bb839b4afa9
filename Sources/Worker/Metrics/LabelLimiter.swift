/// Keeps a label's distinct values bounded: the first `limit` values pass, later new ones become `other`.
struct LabelLimiter: Sendable {
    let limit: Int
    private var values: Set<String> = []

    init(limit: Int) { self.limit = limit }

    mutating func value(_ candidate: String) -> String {
        if values.contains(candidate) { return candidate }
        guard values.count < limit else { return "other" }
        values.insert(candidate)
        return candidate
    }
}
