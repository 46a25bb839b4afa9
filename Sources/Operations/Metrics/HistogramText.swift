import Broker

/// Application histograms in the Prometheus text format, written by hand: their buckets are counted in Redis
/// (`TaskAPI`'s `ApplicationMetric.observe`), and swift-prometheus's histogram can only be fed observations.
package enum HistogramText {
    /// One family per declaration, one group of lines per label set.
    /// - Parameters:
    ///   - histograms: each label set's `_count` series, with the declaration it belongs to, in field order.
    ///   - values: every application series' value; a bucket without a field counted nothing.
    package static func render(_ histograms: [(MetricSeries, MetricDeclaration)], values: [MetricSeries: Double]) -> [UInt8] {
        var text = ""
        var written: Set<String> = []
        for (count, declaration) in histograms {
            let name = declaration.name
            if written.insert(name).inserted {
                text += "# HELP \(name) \(escape(help: declaration.help))\n# TYPE \(name) histogram\n"
            }
            let labels = count.labels
            for bound in declaration.buckets + [.infinity] {
                let bucket = MetricSeries(name: name + "_bucket", labels: labels + [("le", MetricSeries.bound(bound))])
                text += line(bucket, values[bucket] ?? 0)
            }
            text += line(MetricSeries(name: name + "_sum", labels: labels), values[MetricSeries(name: name + "_sum", labels: labels)] ?? 0)
            text += line(count, values[count] ?? 0)
        }
        return Array(text.utf8)
    }

    /// `name{label="value",…} value`.
    private static func line(_ series: MetricSeries, _ value: Double) -> String {
        let labels = series.labels.map { "\($0.0)=\"\(escape(labelValue: $0.1))\"" }.joined(separator: ",")
        let number = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        return series.name + (labels.isEmpty ? "" : "{\(labels)}") + " " + number + "\n"
    }

    /// The text format's escapes: `\\` and `\n` in help text, `\"` too in a label value.
    private static func escape(help: String) -> String { escape(help, quotes: false) }

    private static func escape(labelValue: String) -> String { escape(labelValue, quotes: true) }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\"" where quotes: result.append(contentsOf: "\\\"".unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}
