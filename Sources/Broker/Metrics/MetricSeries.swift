/// One line of `/metrics` an application metric writes: a sample name and its label values, stored as a field
/// of the values hash (``WorkerKeys/applicationMetrics``): the name, then `label=value` pairs, separated by `|`.
///
/// A gauge or counter writes `name|l1=v1…`; a histogram `name_bucket|l1=v1…|le=0.5` per bucket (and `le=+Inf`),
/// `name_sum|l1=v1…` and `name_count|l1=v1…`.
package struct MetricSeries: Sendable, Hashable {
    /// The sample name: the metric's, or a histogram's with `_bucket`, `_sum` or `_count`.
    package var name: String
    /// The label values, in the declaration's order (a bucket's `le` last).
    package var labels: [(String, String)]

    package init(name: String, labels: [(String, String)]) {
        self.name = name
        self.labels = labels
    }

    /// The hash field.
    package var field: String { ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "|") }

    /// A label value cannot hold the field's separators: `|` and `=` become `_`.
    package static func clean(_ value: String) -> String {
        String(value.map { $0 == "|" || $0 == "=" ? "_" : $0 })
    }

    /// A bucket bound as its `le` label value: `0.5`, `10.0`, `+Inf`.
    package static func bound(_ value: Double) -> String { value.isInfinite ? "+Inf" : String(value) }

    /// Parses a hash field against the catalog: `nil` unless it names a declared metric with exactly its declared label
    /// names, in order, each value non-empty and at most ``MetricDeclaration/maxLabelValueBytes`` long (and, for a
    /// bucket, one of the declared bounds). A field another version, a script or a typo wrote with other labels is
    /// refused here: swift-prometheus traps when one family mixes label sets.
    /// - Returns: the series and the declaration it belongs to.
    package static func parse(field: String, catalog: [String: MetricDeclaration]) -> (MetricSeries, MetricDeclaration)? {
        let parts = field.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.first, let declaration = declaration(ofSample: name, in: catalog) else { return nil }
        let isBucket = declaration.kind == .histogram && name == declaration.name + "_bucket"
        let expected = declaration.labels + (isBucket ? ["le"] : [])
        guard parts.count == expected.count + 1 else { return nil }
        var labels: [(String, String)] = []
        for (part, label) in zip(parts.dropFirst(), expected) {
            guard let equals = part.firstIndex(of: "="), part[..<equals] == label else { return nil }
            let value = String(part[part.index(after: equals)...])
            guard !value.isEmpty, value.utf8.count <= MetricDeclaration.maxLabelValueBytes else { return nil }
            labels.append((label, value))
        }
        if isBucket, let le = labels.last?.1, !(declaration.buckets.map(bound) + ["+Inf"]).contains(le) { return nil }
        return (MetricSeries(name: name, labels: labels), declaration)
    }

    /// The declaration a sample name belongs to: a gauge's or counter's own name, or a histogram's with a suffix.
    private static func declaration(ofSample name: String, in catalog: [String: MetricDeclaration]) -> MetricDeclaration? {
        if let declaration = catalog[name] { return declaration.kind == .histogram ? nil : declaration }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            if let declaration = catalog[String(name.dropLast(suffix.count))], declaration.kind == .histogram { return declaration }
        }
        return nil
    }

    package static func == (lhs: MetricSeries, rhs: MetricSeries) -> Bool { lhs.field == rhs.field }
    package func hash(into hasher: inout Hasher) { hasher.combine(field) }
}
