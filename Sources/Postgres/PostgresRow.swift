/// One result row; values are read by column name and decoded from PostgreSQL's text format.
public struct PostgresRow: Sendable {
    let columns: PostgresColumns
    let values: [String?]
    let endpoint: String

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The raw text of `column` (exact for every type), or `nil` for NULL.
    /// - Throws: ``PostgresError`` `.decoding` when there is no such column.
    public func text(_ column: String) throws(PostgresError) -> String? {
        guard let index = columns.index[column] else {
            throw PostgresError(
                code: .decoding,
                message: "no column \"\(column)\" in the result (columns: \(columns.names.joined(separator: ", ")))",
                endpoint: endpoint
            )
        }
        return values[index]
    }

    /// Whether `column` is NULL.
    public func isNull(_ column: String) throws(PostgresError) -> Bool { try text(column) == nil }

    /// The value of `column` as `T`.
    /// - Throws: ``PostgresError`` `.decoding` when the column is missing, NULL, or not a `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(
                code: .decoding, message: "column \"\(column)\" is NULL; decode it with decodeIfPresent",
                endpoint: endpoint
            )
        }
        return value
    }

    /// The value of `column` as `T`, or `nil` for NULL.
    /// - Throws: ``PostgresError`` `.decoding` when the column is missing or not a `T`.
    public func decodeIfPresent<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self
    ) throws(PostgresError) -> T? {
        guard let text = try text(column) else { return nil }
        guard let value = T.decode(postgresText: text) else {
            throw PostgresError(
                code: .decoding,
                message: "column \"\(column)\" (\(columns.typeName(of: column))) does not decode as \(T.self)",
                endpoint: endpoint
            )
        }
        return value
    }
}

/// The rows of one statement's result, and how many rows it affected.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The rows.
    public let rows: [PostgresRow]
    /// The number of rows inserted, updated, deleted or selected, as the server reported it (0 when none).
    public let affectedRows: Int

    /// The first row's position.
    public var startIndex: Int { rows.startIndex }
    /// One past the last row's position.
    public var endIndex: Int { rows.endIndex }
    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow { rows[position] }
}

/// Column names, their positions and type OIDs, shared by every row of a result.
final class PostgresColumns: Sendable {
    let names: [String]
    let types: [UInt32]
    let index: [String: Int]

    init(names: [String], types: [UInt32]) {
        self.names = names
        self.types = types
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }

    /// A readable type name for messages (`int8`, `jsonb`, or `oid 1234`).
    func typeName(of column: String) -> String {
        guard let position = index[column] else { return "?" }
        let known: [UInt32: String] = [
            16: "bool", 17: "bytea", 20: "int8", 21: "int2", 23: "int4", 25: "text", 114: "json", 700: "float4",
            701: "float8", 1042: "bpchar", 1043: "varchar", 1082: "date", 1114: "timestamp", 1184: "timestamptz",
            1700: "numeric", 2950: "uuid", 3802: "jsonb",
        ]
        return known[types[position]] ?? "oid \(types[position])"
    }
}
