/// An application metric as the catalog hash (``WorkerKeys/metricCatalog``) stores it: what any node needs to
/// export the metric's series, whichever application recorded them. Written by `TaskAPI`'s `ApplicationMetric`
/// beside every recorded value; read by every node's `/metrics`.
package struct MetricDeclaration: Sendable, Hashable {
    /// The Prometheus type.
    package enum Kind: String, Sendable, CaseIterable {
        case gauge, counter, histogram
    }

    package var kind: Kind
    /// The full metric name, e.g. `shop_orders_total`.
    package var name: String
    package var help: String
    /// The label names, in field order.
    package var labels: [String]
    /// A histogram's upper bounds, ascending and finite (`+Inf` is implied); empty for the other kinds.
    package var buckets: [Double]

    package init(kind: Kind, name: String, help: String, labels: [String], buckets: [Double] = []) {
        self.kind = kind
        self.name = name
        self.help = help
        self.labels = labels
        self.buckets = buckets
    }

    /// A label value longer than this many UTF-8 bytes is refused.
    package static let maxLabelValueBytes = 64
    /// At most this many series of one metric are exported (in field order); the rest are skipped and logged.
    package static let maxSeries = 200
    /// At most this many labels, and this many histogram buckets.
    package static let maxLabels = 8
    package static let maxBuckets = 32
    /// Name prefixes Celerity's own series use: an application metric may not take them (one family, one type).
    package static let reservedPrefixes = [
        "celery_", "celerity_queue_", "celerity_worker_", "celerity_eta_", "celerity_dead_letter", "celerity_scheduler_",
        "celerity_outbox_", "celerity_redis_", "celerity_build_info", "celerity_lease_", "celerity_poison_",
    ]

    /// What is wrong with the declaration, or `nil` when it can be exported.
    package var problem: String? {
        guard Self.isName(name, allowColon: true) else {
            return "metric name \"\(name.prefix(100))\" is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
        }
        if let prefix = Self.reservedPrefixes.first(where: { name.hasPrefix($0) }) {
            return "metric name \(name) starts with \(prefix), which Celerity's own series use; choose another prefix"
        }
        if kind == .histogram, ["_bucket", "_sum", "_count"].contains(where: { name.hasSuffix($0) }) {
            return "histogram \(name) may not end in _bucket, _sum or _count (its series are named so)"
        }
        guard labels.count <= Self.maxLabels else { return "metric \(name) has \(labels.count) labels; at most \(Self.maxLabels)" }
        guard Set(labels).count == labels.count else { return "metric \(name) names a label twice: \(labels)" }
        for label in labels {
            guard Self.isName(label, allowColon: false), !label.hasPrefix("__"), label != "le" else {
                return "metric \(name): label name \"\(label.prefix(100))\" is not allowed ([a-zA-Z_][a-zA-Z0-9_]*, not le or __*)"
            }
        }
        if kind == .histogram {
            guard !buckets.isEmpty, buckets.count <= Self.maxBuckets else {
                return "histogram \(name) needs 1 to \(Self.maxBuckets) buckets, has \(buckets.count)"
            }
            guard buckets.allSatisfy(\.isFinite), zip(buckets, buckets.dropFirst()).allSatisfy({ $0 < $1 }) else {
                return "histogram \(name): buckets must be finite and strictly ascending, are \(buckets)"
            }
        } else if !buckets.isEmpty {
            return "\(kind.rawValue) \(name) has buckets; only a histogram has them"
        }
        return nil
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, with `:` too for metric names.
    private static func isName(_ text: String, allowColon: Bool) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 200 else { return false }
        func letter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        func allowed(_ byte: UInt8) -> Bool { letter(byte) || byte == UInt8(ascii: "_") || (allowColon && byte == UInt8(ascii: ":")) }
        return allowed(first) && text.utf8.allSatisfy { allowed($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    /// The catalog entry: `{"type": …, "help": …, "labels": […], "buckets": […]}`.
    package var json: JSONValue {
        .object([
            "type": .string(kind.rawValue), "help": .string(help), "labels": .array(labels.map(JSONValue.string)),
            "buckets": .array(buckets.map(JSONValue.double)),
        ])
    }

    /// Reads a catalog entry; `nil` when it is not one, or names a declaration that cannot be exported.
    package init?(name: String, json: JSONValue) {
        guard let kind = json["type"]?.stringValue.flatMap(Kind.init(rawValue:)), let help = json["help"]?.stringValue,
            case .array(let labels)? = json["labels"], case .array(let buckets)? = json["buckets"]
        else { return nil }
        let labelNames = labels.compactMap(\.stringValue)
        let bounds = buckets.compactMap(\.doubleValue)
        guard labelNames.count == labels.count, bounds.count == buckets.count else { return nil }
        self.init(kind: kind, name: name, help: String(help.prefix(1000)), labels: labelNames, buckets: bounds)
        guard problem == nil else { return nil }
    }
}
