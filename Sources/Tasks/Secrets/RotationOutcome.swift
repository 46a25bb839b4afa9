import Foundation

/// What `secrets.rotate_jwt` and `secrets.retire_previous` return: names, fingerprints and times, never a value.
struct RotationOutcome: Codable, Sendable, Hashable {
    var rotationID: String
    /// `dry_run`, `applied`, `retired`, or the logged status of a finished rotation.
    var status: String
    var names: [String]
    var fingerprints: [String: String] = [:]
    var previousExpiresAt: String?
    var retireTaskID: String?
    /// Dry run: what would change; retirement: what was removed.
    var plan: [String]?
    /// Dry run: the health URLs and HS256 check before any change (`ok` or the failure).
    var health: String?

    init(rotationID: String, status: String, names: [String]) {
        self.rotationID = rotationID
        self.status = status
        self.names = names
    }

    init(_ record: RotationRecord) {
        self.init(rotationID: record.rotationID, status: record.status, names: record.names)
        fingerprints = record.fingerprints
        previousExpiresAt = record.previousExpiresAt.map(SecretRotation.iso8601)
        retireTaskID = record.retireTaskID
    }

    enum CodingKeys: String, CodingKey {
        case status, names, fingerprints, plan, health
        case rotationID = "rotation_id"
        case previousExpiresAt = "previous_expires_at"
        case retireTaskID = "retire_task_id"
    }
}
