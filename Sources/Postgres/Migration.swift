/// One schema step: a version (its order), a name, and the SQL it runs (several statements allowed).
public struct Migration: Sendable, Hashable {
    /// The step's number; steps run in ascending order and each runs once.
    public let version: Int
    /// A short name (`webhook_deliveries`).
    public let name: String
    /// The SQL, compiled into the binary; never built from input.
    public let sql: String

    /// A step.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
