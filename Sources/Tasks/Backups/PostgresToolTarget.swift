import Foundation

/// How a libpq command-line tool (`pg_dump`, `pg_restore`) reaches a database: the URL without its password as
/// the `--dbname` argument, the password in the tool's `PGPASSWORD`.
///
/// A command line is readable by every user of the machine (`/proc/<pid>/cmdline`, `ps`); a process's
/// environment only by its owner and root.
struct PostgresToolTarget: Sendable, Hashable {
    /// `postgresql://user@host:port/db?…` without the password (also without a `password=` query item).
    let urlWithoutPassword: String
    /// The password, if the URL had one.
    let password: String?

    /// Splits a `postgresql://` or `postgres://` URL.
    ///
    /// - Parameter name: The variable or option the URL came from, for the error.
    /// - Throws: ``BackupError`` with code `configuration` naming `name` (never the URL, which may hold a password).
    init(url: String, name: String) throws {
        guard var components = URLComponents(string: url),
            components.scheme == "postgresql" || components.scheme == "postgres"
        else {
            throw BackupError(.configuration, "\(name) is not a postgresql:// URL")
        }
        var password = components.password
        components.password = nil
        if let items = components.queryItems {
            password = password ?? items.first(where: { $0.name == "password" })?.value
            let kept = items.filter { $0.name != "password" }
            components.queryItems = kept.isEmpty ? nil : kept
        }
        guard let stripped = components.string else {
            throw BackupError(.configuration, "\(name) is not a valid URL")
        }
        self.urlWithoutPassword = stripped
        self.password = password
    }

    /// The database name in the URL's path, or `nil` when it names none.
    var databaseName: String? {
        let path = URLComponents(string: urlWithoutPassword)?.path ?? ""
        let name = String(path.drop(while: { $0 == "/" }))
        return name.isEmpty ? nil : name.removingPercentEncoding ?? name
    }

    /// The same server and credentials, another database.
    func database(_ name: String) -> PostgresToolTarget {
        var components = URLComponents(string: urlWithoutPassword)!
        components.path = "/" + name
        return PostgresToolTarget(urlWithoutPassword: components.string!, password: password)
    }

    /// The full URL, password included: only for opening a libpq connection in this process.
    var connectionURL: String {
        guard let password else { return urlWithoutPassword }
        var components = URLComponents(string: urlWithoutPassword)!
        components.password = password
        return components.string!
    }

    /// The environment the tools get: `PGPASSWORD` when there is a password, and a connect timeout.
    var environment: [String: String] {
        var variables = ["PGCONNECT_TIMEOUT": "10"]
        if let password { variables["PGPASSWORD"] = password }
        return variables
    }

    /// A scrubber for the password.
    var scrubber: SecretScrubber { SecretScrubber(secrets: [password]) }

    private init(urlWithoutPassword: String, password: String?) {
        self.urlWithoutPassword = urlWithoutPassword
        self.password = password
    }
}
