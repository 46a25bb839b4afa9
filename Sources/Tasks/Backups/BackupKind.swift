import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a backup run covers: one of the three things backed up, or the weekly restore test.
public enum BackupKind: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// A `pg_dump` of the configured database: `postgresql/backup_YYYYmmdd_HHMMSS.dump.gz`.
    case postgres
    /// A snapshot of the broker's Redis dataset: `redis/dump_YYYYmmdd_HHMMSS.rdb.gz`.
    case redis
    /// An archive of the configured files: `config/config_YYYYmmdd_HHMMSS.tar.gz`.
    case config
    /// A restore of the newest PostgreSQL backup into a scratch database and a check of the newest Redis one.
    case verify

    public var description: String { rawValue }

    /// The kinds that write files.
    public static let fileKinds: [BackupKind] = [.postgres, .redis, .config]

    /// The subdirectory of the backup directory that holds this kind's files.
    var directoryName: String {
        switch self {
        case .postgres: "postgresql"
        case .redis: "redis"
        case .config: "config"
        case .verify: ""
        }
    }

    /// The start of this kind's file names.
    var filePrefix: String {
        switch self {
        case .postgres: "backup_"
        case .redis: "dump_"
        case .config, .verify: "config_"
        }
    }

    /// The end of this kind's file names.
    var fileSuffix: String {
        switch self {
        case .postgres: ".dump.gz"
        case .redis: ".rdb.gz"
        case .config, .verify: ".tar.gz"
        }
    }

    /// The file name a backup taken at `date` gets, e.g. `backup_20261129_020000.dump.gz` (UTC).
    func fileName(at date: Date) -> String {
        filePrefix + BackupTimestamp.format(date) + fileSuffix
    }

    /// The time in a file name this kind writes, or `nil` when `name` is not exactly such a name.
    ///
    /// Only names that match `<prefix>YYYYmmdd_HHMMSS<suffix>` (or the same with `.sha256` appended) are this
    /// kind's: retention never touches anything else in the directory.
    func date(inFileName name: String) -> Date? {
        var stem = Substring(name)
        if stem.hasSuffix(BackupChecksum.sidecarSuffix) { stem = stem.dropLast(BackupChecksum.sidecarSuffix.count) }
        guard stem.hasPrefix(filePrefix), stem.hasSuffix(fileSuffix) else { return nil }
        let middle = stem.dropFirst(filePrefix.count).dropLast(fileSuffix.count)
        return BackupTimestamp.parse(middle)
    }
}

/// `YYYYmmdd_HHMMSS` in UTC, the time stamp in backup file names.
enum BackupTimestamp {
    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))_"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }

    static func parse(_ text: Substring) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 15, bytes[8] == UInt8(ascii: "_") else { return nil }
        let digits = bytes[0..<8] + bytes[9...]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        func number(_ range: Range<Int>) -> Int32 {
            range.reduce(0) { $0 * 10 + Int32(bytes[$1] - UInt8(ascii: "0")) }
        }
        var parts = tm()
        parts.tm_year = number(0..<4) - 1900
        parts.tm_mon = number(4..<6) - 1
        parts.tm_mday = number(6..<8)
        parts.tm_hour = number(9..<11)
        parts.tm_min = number(11..<13)
        parts.tm_sec = number(13..<15)
        guard (0...11).contains(parts.tm_mon), (1...31).contains(parts.tm_mday), parts.tm_hour < 24,
            parts.tm_min < 60, parts.tm_sec < 61
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
