import Foundation
import Postgres

/// How a libpq command-line tool (`pg_dump`, `pg_restore`) reaches a database: host, port, user and database as
/// arguments, the password only in the tool's environment (`PGPASSWORD`).
///
/// A command line is readable by every user of the machine (`/proc/<pid>/cmdline`, `ps`); a process's
/// environment only by its owner and root.
struct PostgresToolTarget: Sendable {
    /// The connection settings (their description hides the password).
    let configuration: PostgresConfiguration

    /// Parses a `postgresql://` URL.
    ///
    /// - Parameter name: The variable or option the URL came from, for the error.
    /// - Throws: ``BackupError`` with code `configuration` naming `name` (never the password).
    init(url: String, name: String) throws {
        do {
            configuration = try PostgresConfiguration(url: url)
        } catch {
            throw BackupError(.configuration, "\(name): \(error.message)")
        }
    }

    private init(configuration: PostgresConfiguration) {
        self.configuration = configuration
    }

    /// The database name, if the URL names one.
    var databaseName: String? { configuration.database }

    /// The same server and credentials, another database.
    func database(_ name: String) -> PostgresToolTarget {
        var configuration = self.configuration
        configuration.database = name
        return PostgresToolTarget(configuration: configuration)
    }

    /// `--host`, `--port`, `--username`, `--dbname`: everything but the password. The database is passed as a
    /// quoted connection-string value (`--dbname=dbname='app'`): a bare `--dbname` holding `=` is read as a whole
    /// connection string, so a database named `db host=elsewhere` would send the dump, and the password, elsewhere.
    var arguments: [String] {
        var arguments = ["--port=\(configuration.port)", "--no-password"]
        if let host = configuration.host { arguments.append("--host=\(host)") }
        if let user = configuration.user { arguments.append("--username=\(user)") }
        if let database = configuration.database { arguments.append("--dbname=dbname=\(Self.quoted(database))") }
        return arguments
    }

    /// A libpq connection-string value in single quotes, `\` and `'` escaped with a backslash.
    static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// The tools' environment: the password, the TLS mode, a connect timeout and an application name.
    var environment: [String: String] {
        var variables = [
            "PGSSLMODE": configuration.sslMode,
            "PGCONNECT_TIMEOUT": String(max(1, configuration.connectTimeout.components.seconds)),
            "PGAPPNAME": "celerity-backups",
        ]
        if let password = configuration.password { variables["PGPASSWORD"] = password }
        return variables
    }

    /// A scrubber for the password.
    var scrubber: SecretScrubber { SecretScrubber(secrets: [configuration.password]) }
}
