import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An application's configuration, read once per process: a value comes from a flag (`--set KEY=VALUE` and
/// the named flags such as `--database-url`), else the environment (`CELERITY_DATABASE_URL`, …), else the
/// configuration file (`--config FILE` or `CELERITY_CONFIG`: `KEY=VALUE` lines, as in an env file). An empty
/// value counts as unset.
///
/// Values are never part of an error's text or of ``description``: configuration holds secrets (database
/// passwords, Slack URLs, signing keys). Read those with ``secret(_:)``.
public struct Settings: Sendable, CustomStringConvertible {
    private var values: [String: (value: String, source: String)] = [:]

    /// Settings from `flags` (highest precedence), then `environment`, then the file at `file` (if any).
    /// - Throws: ``SettingsError`` when the file cannot be read or has a line that is not `KEY=VALUE`.
    public init(
        flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
        file: String? = nil
    ) throws {
        if let file {
            for (key, value) in try Self.readFile(file) where !value.isEmpty { values[key] = (value, file) }
        }
        for (key, value) in environment where !value.isEmpty { values[key] = (value, "environment") }
        for (key, value) in flags where !value.isEmpty { values[key] = (value, "flag") }
    }

    /// The value of `key`, or `nil` when it is not set.
    public subscript(key: String) -> String? { values[key]?.value }

    /// The value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String { self[key] ?? defaultValue }

    /// The value of `key`.
    /// - Throws: ``SettingsError`` naming the key when it is not set.
    public func require(_ key: String) throws -> String {
        guard let value = self[key] else { throw SettingsError(key: key, problem: "is not set") }
        return value
    }

    /// A secret: a value that prints as `***`.
    public func secret(_ key: String) -> Secret? { self[key].map(Secret.init) }

    /// An integer, or `defaultValue` when unset.
    /// - Throws: ``SettingsError`` when the value is not a whole number.
    public func int(_ key: String, default defaultValue: Int) throws -> Int {
        guard let text = self[key] else { return defaultValue }
        guard let value = Int(text.trimmingWhitespace()) else { throw problem(key, "is not a whole number") }
        return value
    }

    /// A number, or `defaultValue` when unset.
    /// - Throws: ``SettingsError`` when the value is not a number.
    public func double(_ key: String, default defaultValue: Double) throws -> Double {
        guard let text = self[key] else { return defaultValue }
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else { throw problem(key, "is not a number") }
        return value
    }

    /// A duration given in seconds (`300`, `0.5`), or `defaultValue` when unset.
    /// - Throws: ``SettingsError`` when the value is not a number of seconds from 0 to 10⁷ (about 115 days).
    public func seconds(_ key: String, default defaultValue: Duration) throws -> Duration {
        guard self[key] != nil else { return defaultValue }
        let value = try double(key, default: 0)
        guard let duration = Duration(checkedSeconds: value) else {
            throw problem(key, "is not a number of seconds from 0 to \(Int(Duration.longestAcceptedSeconds))")
        }
        return duration
    }

    /// A comma-separated list, trimmed, without empty items; `defaultValue` when unset.
    public func list(_ key: String, default defaultValue: [String] = []) -> [String] {
        guard let text = self[key] else { return defaultValue }
        return text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// Where the value of `key` came from: `flag`, `environment` or the file's path.
    public func source(of key: String) -> String? { values[key]?.source }

    /// The keys that are set, and where from; never the values.
    public var description: String {
        values.keys.sorted().map { "\($0) (\(values[$0]!.source))" }.joined(separator: ", ")
    }

    private func problem(_ key: String, _ text: String) -> SettingsError {
        SettingsError(key: key, problem: "from \(source(of: key) ?? "nowhere") \(text)")
    }

    /// The `KEY=VALUE` lines of an env file: `#` comments, blank lines, an optional `export `, and values in
    /// single or double quotes.
    static func readFile(_ path: String) throws -> [(String, String)] {
        guard access(path, R_OK) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError(key: path, problem: "cannot be read (\(String(cString: strerror(errno))))")
        }
        let text = String(decoding: data, as: UTF8.self)
        var pairs: [(String, String)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw SettingsError(key: path, problem: "line \(number + 1) is not KEY=VALUE")
            }
            let key = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            pairs.append((key, value))
        }
        return pairs
    }
}
