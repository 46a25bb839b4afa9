import Broker
import Foundation
import Postgres

/// One row of the rotation log (`secret_rotations`): what `celerity secrets history` prints. Never a secret value:
/// fingerprints are SHA-256 prefixes.
public struct RotationRecord: Sendable, Hashable {
    public var rotationID: String
    /// `running`, `dry_run`, `applied`, `rolled_back`, `retired` or `failed`.
    public var status: String
    public var names: [String]
    /// Variable name → the first 12 hex digits of the new value's SHA-256.
    public var fingerprints: [String: String]
    public var startedAt: Date
    public var finishedAt: Date?
    public var previousExpiresAt: Date?
    public var retiredAt: Date?
    public var retireTaskID: String?
    public var taskID: String
    public var error: String?

    /// The newest `limit` rotations, newest first.
    /// - Throws: ``PostgresError``.
    public static func recent(_ database: PostgresConnection, limit: Int = 50) throws -> [RotationRecord] {
        try database.query(
            "SELECT * FROM secret_rotations ORDER BY started_at DESC, rotation_id LIMIT $1", [.int(limit)]
        ).map(RotationRecord.init)
    }

    /// The rotation `id`, if logged.
    static func find(_ database: PostgresConnection, id: String) throws -> RotationRecord? {
        try database.query("SELECT * FROM secret_rotations WHERE rotation_id = $1", [.text(id)]).first
            .map(RotationRecord.init)
    }

    init(_ row: PostgresRow) throws {
        rotationID = try row.decode("rotation_id")
        status = try row.decode("status")
        let names: JSONValue = try row.decode("names")
        self.names = names.arrayValue?.compactMap(\.stringValue) ?? []
        let fingerprints: JSONValue = try row.decode("fingerprints")
        self.fingerprints = Dictionary(
            uniqueKeysWithValues: (fingerprints.objectValue.map(Array.init) ?? []).compactMap { member in
                member.value.stringValue.map { (member.key, $0) }
            }
        )
        startedAt = try row.decode("started_at")
        finishedAt = try row.decodeIfPresent("finished_at")
        previousExpiresAt = try row.decodeIfPresent("previous_expires_at")
        retiredAt = try row.decodeIfPresent("retired_at")
        retireTaskID = try row.decodeIfPresent("retire_task_id")
        taskID = try row.decode("task_id")
        error = try row.decodeIfPresent("error")
    }
}
