import Foundation
import Postgres
import TestSupport
import Testing

/// The database password never reaches a log line or an error description.
@Suite struct PostgresSecretsTests {
    @Test func thePasswordAppearsInNoLogAndNoError() async throws {
        let password = "pgSecret-Pa55word-xyz"
        try await withPostgresServer { server in
            try await server.psql("ALTER USER postgres PASSWORD 'pgSecret-Pa55word-xyz'")
            let log = LogRecorder()
            var descriptions: [String] = []
            let good = try PostgresConfiguration(
                url: "postgresql://postgres:\(password)@127.0.0.1:\(server.port)/postgres")
            descriptions.append("\(good)")
            let db = PostgresConnection(configuration: good, logger: log.logger)
            try db.query("SELECT 1")
            for (sql, parameters) in [
                ("SELECT * FROM missing_table", []), ("SELECT $1::int", [PostgresValue.text(password)]),
            ] {
                do { try db.query(sql, parameters) } catch {
                    descriptions.append("\(error)")
                    descriptions.append(String(reflecting: error))
                }
            }
            try await server.restart()
            try db.query("SELECT 1")
            for url in [
                "postgresql://postgres:\(password)@127.0.0.1:\(try FreePort.allocate())/postgres",
                "postgresql://postgres:\(password)@127.0.0.1:\(server.port)/no_such_database",
                "postgresql://postgres@127.0.0.1:\(server.port)/postgres?password=\(password)&sslmode=bogus",
                "postgresql://postgres:\(password)@127.0.0.1:\(server.port)/postgres?bogus=1",
            ] {
                do {
                    try PostgresConnection(configuration: try PostgresConfiguration(url: url), logger: log.logger)
                        .connect()
                    Issue.record("connected with \(url.replacingOccurrences(of: password, with: "***"))")
                } catch {
                    descriptions.append("\(error)")
                    descriptions.append(String(reflecting: error))
                }
            }
            #expect(descriptions.count >= 9)
            #expect(log.messages.contains { $0.hasPrefix("PostgreSQL connection broke") })
            let everything = (log.messages + descriptions).joined(separator: "\n")
            #expect(
                !everything.contains(password),
                "the password leaked: \(everything.replacingOccurrences(of: password, with: "<<LEAK>>"))")
        }
    }
}
