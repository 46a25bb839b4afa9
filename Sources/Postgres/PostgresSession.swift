import Support
import CLibPQ
import Foundation
import Logging

/// The libpq connection behind a ``PostgresConnection``: connects, runs statements, copies results into Swift
/// values and frees them in the same scope. Used by one thread at a time (the connection's lock).
final class PostgresSession {
    let configuration: PostgresConfiguration
    let logger: Logger
    private var connection: OpaquePointer?
    /// Whether a transaction is open (statements then never reconnect).
    var inTransaction = false
    /// The session's `statement_timeout` in milliseconds as last set, `nil` when unknown (0 = none).
    private var sessionTimeout: Int?
    /// The transaction's `SET LOCAL statement_timeout`, if one was set in the open transaction.
    private var transactionTimeout: Int?

    var endpoint: String { configuration.description }

    init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { drop() }

    /// Closes the connection, if any. An open transaction stays marked open, so that its remaining statements fail
    /// instead of running on a new connection outside it; ``transactionEnded()`` clears the mark.
    func drop() {
        if let connection { PQfinish(connection) }
        connection = nil
        sessionTimeout = nil
        transactionTimeout = nil
    }

    /// Connects unless connected.
    func ensureConnected() throws(PostgresError) {
        if connection != nil { return }
        let pairs = configuration.connectionParameters
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let made = PQconnectdbParams(keywordPointers, valuePointers, 0) else {
            throw PostgresError(code: .connection, message: "libpq could not allocate a connection", endpoint: endpoint)
        }
        guard PQstatus(made) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(made))
            PQfinish(made)
            throw PostgresError(
                code: .connection, message: message + "; check the database URL and that the server is running",
                endpoint: endpoint
            )
        }
        // Server notices (`relation … already exists, skipping`) go to the logger at debug, not to stderr.
        PQsetNoticeProcessor(made, Self.noticeProcessor, Unmanaged.passUnretained(self).toOpaque())
        connection = made
        logger.debug("connected to PostgreSQL", metadata: ["db.endpoint": "\(endpoint)"])
    }

    /// Runs one parameterised statement with `timeout` as its `statement_timeout` (nil: none).
    ///
    /// Outside a transaction a broken connection (the server restarted) is made again and the statement sent
    /// once more: the first attempt failed before the server ran it.
    func execute(_ sql: String, _ parameters: [PostgresValue?], timeout: Duration?) throws(PostgresError)
        -> PostgresRows
    {
        let canRetry = !inTransaction
        do {
            return try executeOnce(sql, parameters, timeout: timeout)
        } catch  where error.isConnectionFailure && canRetry {
            logger.info(
                "PostgreSQL connection broke; reconnecting and sending the statement again",
                metadata: ["db.endpoint": "\(endpoint)", "db.error": "\(error)"]
            )
            drop()
            return try executeOnce(sql, parameters, timeout: timeout)
        }
    }

    /// Runs SQL text with the simple query protocol: several statements, no parameters. Only for migration
    /// files compiled into the binary; every other statement goes through ``execute(_:_:timeout:)``.
    func executeScript(_ sql: String) throws(PostgresError) {
        try ensureConnected()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        _ = try rows(from: result, parameters: [])
    }

    /// Ends the transaction bookkeeping after COMMIT or ROLLBACK.
    func transactionEnded() {
        inTransaction = false
        transactionTimeout = nil
    }

    private func executeOnce(
        _ sql: String, _ parameters: [PostgresValue?], timeout: Duration?
    ) throws(PostgresError) -> PostgresRows {
        if inTransaction, connection == nil {
            throw PostgresError(
                code: .connection,
                message: "the connection broke during the transaction, so the server rolled it back; "
                    + "run the whole unit of work again",
                endpoint: endpoint
            )
        }
        try ensureConnected()
        try applyTimeout(timeout)
        return try run(sql, parameters)
    }

    /// Sets `statement_timeout` when it differs from the current one: session-wide outside a transaction (`nil`
    /// resets it to the server's default), with `SET LOCAL` semantics inside one (`nil` leaves it as it is).
    private func applyTimeout(_ timeout: Duration?) throws(PostgresError) {
        let wanted = timeout.map { max(1, Int($0.wholeMilliseconds)) }
        if inTransaction {
            guard let wanted, wanted != (transactionTimeout ?? sessionTimeout) else { return }
            _ = try run("SELECT set_config('statement_timeout', $1, true)", [.text(String(wanted))])
            transactionTimeout = wanted
        } else {
            guard wanted != sessionTimeout else { return }
            if let wanted {
                _ = try run("SELECT set_config('statement_timeout', $1, false)", [.text(String(wanted))])
            } else {
                _ = try run("RESET statement_timeout", [])
            }
            sessionTimeout = wanted
        }
    }

    private func run(_ sql: String, _ parameters: [PostgresValue?]) throws(PostgresError) -> PostgresRows {
        var texts: [String] = []
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var types: [Oid] = []
        defer { buffers.forEach { free($0) } }
        for (position, parameter) in parameters.enumerated() {
            switch parameter {
            case nil:
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
                types.append(0)
            case .bytes(let bytes)?:
                let buffer = malloc(max(1, bytes.count))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(buffer, base, bytes.count) }
                }
                buffers.append(buffer)
                lengths.append(Int32(bytes.count))
                formats.append(1)
                types.append(17)
            case let value?:
                let text = value.text ?? ""
                if text.utf8.contains(0) {
                    throw PostgresError(
                        code: .invalidParameter,
                        message: "parameter $\(position + 1) contains a NUL byte, which PostgreSQL text cannot store; "
                            + "strip it or send the data as bytes (bytea)",
                        endpoint: endpoint
                    )
                }
                texts.append(text)
                buffers.append(strdup(text))
                lengths.append(0)
                formats.append(0)
                types.append(0)
            }
        }
        let result = buffers.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(
                    connection, sql, Int32(parameters.count), types, values.baseAddress, lengths, formats, 0
                )
            }
        }
        defer { PQclear(result) }
        return try rows(from: result, parameters: texts)
    }

    /// Copies a result into Swift values, or turns it into an error.
    private func rows(from result: OpaquePointer?, parameters: [String]) throws(PostgresError) -> PostgresRows {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            throw error(from: result, parameters: parameters)
        }
        guard let result else { return PostgresRows(rows: [], affectedRows: 0) }
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = PostgresColumns(
            names: (0..<fieldCount).map { String(cString: PQfname(result, Int32($0))) },
            types: (0..<fieldCount).map { PQftype(result, Int32($0)) }
        )
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            let values: [String?] = (0..<Int32(fieldCount)).map { field in
                PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
            }
            rows.append(PostgresRow(columns: columns, values: values, endpoint: endpoint))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(rows: rows, affectedRows: affected)
    }

    private func error(from result: OpaquePointer?, parameters: [String]) -> PostgresError {
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let primary = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
        let broken = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        let shuttingDown = sqlState.map { ["57P01", "57P02", "57P03"].contains($0) } ?? false
        if broken || shuttingDown {
            let message = primary ?? connection.map { Self.trimmed(PQerrorMessage($0)) } ?? "no connection"
            drop()
            return PostgresError(
                code: .connection, sqlState: sqlState,
                message: PostgresError.scrub(message, sqlState: sqlState, parameters: parameters), endpoint: endpoint
            )
        }
        let message = primary ?? connection.map { Self.trimmed(PQerrorMessage($0)) } ?? "unknown error"
        return PostgresError(
            code: sqlState == "57014" ? .timeout : .server, sqlState: sqlState,
            message: PostgresError.scrub(message, sqlState: sqlState, parameters: parameters), endpoint: endpoint
        )
    }

    /// libpq's notice callback; `context` is the session, which outlives its connection.
    private static let noticeProcessor: PQnoticeProcessor = { context, message in
        guard let context, let message else { return }
        let session = Unmanaged<PostgresSession>.fromOpaque(context).takeUnretainedValue()
        session.logger.debug("PostgreSQL notice", metadata: ["db.notice": "\(trimmed(message))"])
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
