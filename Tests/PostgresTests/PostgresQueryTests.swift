import Broker
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

extension PostgresServer {
    /// A connection to `database` on this server as `postgres`, logging into `log`.
    func connection(database: String = "postgres", log: LogRecorder = LogRecorder()) throws -> PostgresConnection {
        PostgresConnection(configuration: try PostgresConfiguration(url: url(database: database)), logger: log.logger)
    }
}

@Suite struct PostgresQueryTests {
    @Test func everyTypeRoundTripsOverTCPAndTheSocketAndHostileParametersStayData() async throws {
        try await withPostgresServer { server in
            let db = try server.connection()
            try db.query(
                """
                CREATE TABLE samples (
                    id int4 PRIMARY KEY, big int8, amount numeric, label text, flag bool, at timestamptz,
                    raw bytea, doc jsonb, ratio float8, day date
                )
                """)
            let at = Date(timeIntervalSince1970: 1_764_369_000.123456)
            let raw: [UInt8] = [0, 1, 2, 0xFF, 0, 0x5C]
            let doc: JSONValue = ["invoice": 7, "lines": [["qty": 2], "x"], "note": "ünï \"q\""]
            let amount = Decimal(string: "12345678901234567890.123456789")!
            let inserted = try db.query(
                "INSERT INTO samples VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)",
                [
                    1, .int(Int(Int64.max)), .decimal(amount), "Robert'); DROP TABLE samples;--", true, .timestamp(at),
                    .bytes(raw), .json(doc), 0.25, "2026-11-28",
                ]
            )
            #expect(inserted.affectedRows == 1)
            try db.query("INSERT INTO samples (id) VALUES ($1)", [2])

            let row = try #require(try db.query("SELECT * FROM samples WHERE id = $1", [1]).first)
            #expect(try row.decode("id", as: Int.self) == 1)
            #expect(try row.decode("big", as: Int64.self) == Int64.max)
            #expect(try row.decode("amount", as: Decimal.self) == amount)
            #expect(try row.text("amount") == "12345678901234567890.123456789")
            #expect(try row.decode("label", as: String.self) == "Robert'); DROP TABLE samples;--")
            #expect(try row.decode("flag", as: Bool.self) == true)
            let decodedAt = try row.decode("at", as: Date.self)
            #expect(abs(decodedAt.timeIntervalSince(at)) < 0.000_002)
            #expect(try row.decode("raw", as: [UInt8].self) == raw)
            // jsonb stores objects with its own key order; compare member by member.
            let decodedDoc = try row.decode("doc", as: JSONValue.self)
            #expect(Set(decodedDoc.objectValue?.keys ?? []) == ["invoice", "lines", "note"])
            for key in ["invoice", "lines", "note"] { #expect(decodedDoc[key] == doc[key]) }
            #expect(try row.decode("ratio", as: Double.self) == 0.25)
            #expect(try row.decode("day", as: Date.self) == Date(timeIntervalSince1970: 1_795_824_000))

            let empty = try #require(try db.query("SELECT * FROM samples WHERE id = $1", [2]).first)
            for column in ["big", "amount", "label", "flag", "at", "raw", "doc", "ratio", "day"] {
                #expect(try empty.isNull(column))
            }
            #expect(try empty.decodeIfPresent("label", as: String.self) == nil)
            #expect(
                try db.query("SELECT $1::text IS NULL AS missing", [nil]).first?.decode("missing", as: Bool.self)
                    == true)

            let notInt = try #require(throws: PostgresError.self) { try row.decode("label", as: Int.self) }
            #expect(notInt.code == .decoding)
            let nullValue = try #require(throws: PostgresError.self) { try empty.decode("label", as: String.self) }
            #expect(nullValue.code == .decoding)
            let missing = try #require(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
            #expect(missing.code == .decoding)
            #expect(try db.query("SELECT count(*) AS n FROM samples").first?.decode("n", as: Int.self) == 2)

            // The same rows over the unix socket, with both spellings of a socket URL.
            let encoded = server.socketDirectory.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for url in [
                "postgresql://postgres@\(encoded):\(server.port)/postgres",
                "postgresql:///postgres?host=\(server.socketDirectory)&port=\(server.port)&user=postgres",
            ] {
                let local = PostgresConnection(
                    configuration: try PostgresConfiguration(url: url), logger: LogRecorder().logger
                )
                let row = try #require(
                    try local.query("SELECT inet_server_addr() IS NULL AS local, label FROM samples WHERE id = 1").first
                )
                #expect(try row.decode("local", as: Bool.self), "\(url) did not use the socket")
                #expect(try row.decode("label", as: String.self) == "Robert'); DROP TABLE samples;--")
            }
        }
    }

    @Test func aNULInTextIsRefusedAndNothingIsWritten() async throws {
        try await withPostgresServer { server in
            let db = try server.connection()
            try db.query("CREATE TABLE notes (body text)")
            // libpq sends text parameters as C strings: a NUL would silently cut the value. It is refused instead.
            let error = try #require(throws: PostgresError.self) {
                try db.query("INSERT INTO notes VALUES ($1)", ["before\u{0}after"])
            }
            #expect(error.code == .invalidParameter)
            #expect("\(error)".contains("parameter $1 contains a NUL byte"))
            #expect(!"\(error)".contains("before"))
            #expect(try db.query("SELECT count(*) AS n FROM notes").first?.decode("n", as: Int.self) == 0)
            // PostgreSQL itself refuses NUL in text sent any other way.
            let refused = try #require(throws: PostgresError.self) {
                try db.query("SELECT convert_from($1, 'UTF8')", [.bytes([0x61, 0x00])])
            }
            #expect(refused.sqlState == "22021")

            let unique = try #require(throws: PostgresError.self) {
                try db.query("CREATE UNIQUE INDEX ON notes (body)")
                try db.query("INSERT INTO notes VALUES ($1)", ["duplicate-secret-value"])
                try db.query("INSERT INTO notes VALUES ($1)", ["duplicate-secret-value"])
            }
            #expect(unique.code == .server)
            #expect(unique.sqlState == "23505")
            #expect(!"\(unique)".contains("duplicate-secret-value"), "\(unique)")
            let syntax = try #require(throws: PostgresError.self) {
                try db.query("SELECT $1::int", ["notanumber-secret"])
            }
            #expect(syntax.sqlState == "22P02")
            #expect(!"\(syntax)".contains("notanumber-secret"), "\(syntax)")
        }
    }

    @Test func transactionsAreAllOrNothingAndStatementsTimeOut() async throws {
        try await withPostgresServer { server in
            let db = try server.connection()
            try db.query("CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL)")
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try db.withTransaction { tx in
                    try tx.query("INSERT INTO ledger VALUES ($1, $2)", [1, 100])
                    try tx.query("INSERT INTO ledger VALUES ($1, $2)", [2, -100])
                    throw Abort()
                }
            }
            #expect(throws: PostgresError.self) {
                try db.withTransaction { tx in
                    try tx.query("INSERT INTO ledger VALUES ($1, $2)", [1, 100])
                    try tx.query("INSERT INTO ledger VALUES ($1, $2)", [1, -100])
                }
            }
            #expect(try db.query("SELECT count(*) AS n FROM ledger").first?.decode("n", as: Int.self) == 0)
            let sum = try db.withTransaction { tx in
                try tx.query("INSERT INTO ledger VALUES ($1, $2), ($3, $4)", [1, 100, 2, -40])
                return try tx.query("SELECT sum(amount) AS s FROM ledger").first?.decode("s", as: Int.self)
            }
            #expect(sum == 60)
            #expect(try db.query("SELECT count(*) AS n FROM ledger").first?.decode("n", as: Int.self) == 2)
            let misuse = try #require(throws: PostgresError.self) {
                try db.withTransaction { _ in try db.query("SELECT 1") }
            }
            #expect(misuse.code == .misuse)

            let started = ContinuousClock.now
            let timedOut = try #require(throws: PostgresError.self) {
                try db.query("SELECT pg_sleep(5)", timeout: .milliseconds(200))
            }
            #expect(timedOut.code == .timeout)
            #expect(timedOut.sqlState == "57014")
            #expect(timedOut.isTransient)
            #expect(ContinuousClock.now - started < .seconds(4))
            #expect(try db.query("SHOW statement_timeout").first?.decode("statement_timeout", as: String.self) == "0")

            let byDeadline = try #require(throws: PostgresError.self) {
                try db.query("SELECT pg_sleep(5)", deadline: .now + .milliseconds(200))
            }
            #expect(byDeadline.code == .timeout)
            let inTransaction = try #require(throws: PostgresError.self) {
                try db.withTransaction(deadline: .now + .seconds(30)) { tx in
                    try tx.query("INSERT INTO ledger VALUES ($1, $2)", [3, 1])
                    let local = try tx.query("SHOW statement_timeout").first?.decode(
                        "statement_timeout", as: String.self)
                    #expect(local != "0")
                    try tx.query("SELECT pg_sleep(5)", timeout: .milliseconds(200))
                }
            }
            #expect(inTransaction.code == .timeout)
            #expect(try db.query("SELECT count(*) AS n FROM ledger").first?.decode("n", as: Int.self) == 2)
            #expect(try db.query("SHOW statement_timeout").first?.decode("statement_timeout", as: String.self) == "0")
        }
    }

    @Test func theNextQueryAfterAServerRestartSucceeds() async throws {
        try await withPostgresServer { server in
            let log = LogRecorder()
            let db = try server.connection(log: log)
            try db.query("CREATE TABLE marks (n int)")
            try db.query("INSERT INTO marks VALUES ($1)", [1])
            try await server.restart()
            try db.query("INSERT INTO marks VALUES ($1)", [2])
            #expect(try db.query("SELECT count(*) AS n FROM marks").first?.decode("n", as: Int.self) == 2)
            #expect(log.messages.contains { $0.hasPrefix("PostgreSQL connection broke; reconnecting") })

            // A connection terminated by the server (not a restart) is made again the same way.
            _ = try await server.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'celerity'"
            )
            #expect(try db.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)

            // Inside a transaction a broken connection is not replaced: the rest of the body must not autocommit.
            let killer = try server.connection()
            let broken = try #require(throws: PostgresError.self) {
                try db.withTransaction { tx in
                    try tx.query("INSERT INTO marks VALUES ($1)", [3])
                    let pid = try tx.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int.self)
                    try killer.query("SELECT pg_terminate_backend($1)", [pid.map { .int($0) }])
                    do throws(PostgresError) {
                        try tx.query("INSERT INTO marks VALUES ($1)", [4])
                    } catch {
                        #expect(error.code == .connection)
                    }
                    try tx.query("INSERT INTO marks VALUES ($1)", [5])
                }
            }
            #expect(broken.code == .connection)
            #expect(try db.query("SELECT count(*) AS n FROM marks").first?.decode("n", as: Int.self) == 2)
        }
    }
}
