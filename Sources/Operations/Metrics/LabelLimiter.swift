/// Keeps a label's distinct values bounded: the first `limit` values pass, later new ones become `other`.
package struct LabelLimiter: Sendable {
    package let limit: Int
    private var values: Set<String> = []

    package init(limit: Int) { self.limit = limit }

    package mutating func value(_ candidate: String) -> String {
        if values.contains(candidate) { return candidate }
        guard values.count < limit else { return "other" }
        values.insert(candidate)
        return candidate
    }
}
