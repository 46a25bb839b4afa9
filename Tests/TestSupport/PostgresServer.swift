import Broker
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real PostgreSQL server on a free loopback port with a fresh cluster in a scratch directory.
///
/// The cluster is made by `initdb` with trust authentication and superuser `postgres`; the server listens on
/// `127.0.0.1` and on a unix socket in ``directory``. PostgreSQL refuses to run as root, so when the tests run as
/// root, `initdb` and `pg_ctl` run as the `postgres` user through `runuser` and the directory is given to that
/// user. Use the scoped ``withPostgresServer(isolation:_:)``, which stops the server even when the test throws.
///
/// The binaries come from `CELERITY_PG_BINDIR`, else `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`. Durability settings are off (`fsync=off`): a test cluster does not survive a
/// machine crash, only process crashes.
public final class PostgresServer: Sendable {
    /// The loopback TCP port the server listens on.
    public let port: Int
    /// The scratch directory holding the cluster (`data/`), the log and the unix socket.
    public let directory: URL
    /// The directory holding `initdb`, `pg_ctl`, `pg_isready` and `psql`.
    public let binDirectory: URL

    private let runAs: [String]
    private let stopped = Locked(false)

    /// The host the server listens on: `127.0.0.1`.
    public var host: String { "127.0.0.1" }

    /// The superuser name: `postgres` (trust authentication, no password).
    public var user: String { "postgres" }

    /// `postgresql://postgres@127.0.0.1:<port>/postgres`.
    public var url: String { url(database: "postgres") }

    /// `postgresql://postgres@127.0.0.1:<port>/<database>`.
    public func url(database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

    /// The directory holding the unix socket `.s.PGSQL.<port>` (libpq's `host=` for a socket connection).
    public var socketDirectory: String { directory.path }

    /// The cluster's data directory.
    public var dataDirectory: URL { directory.appendingPathComponent("data", isDirectory: true) }

    /// The server log.
    public var logURL: URL { directory.appendingPathComponent("postgres-\(port).log") }

    /// Everything the server has logged.
    public var log: String { HarnessEnvironment.readText(logURL) }

    private init(port: Int, directory: URL, binDirectory: URL, runAs: [String]) {
        self.port = port
        self.directory = directory
        self.binDirectory = binDirectory
        self.runAs = runAs
    }

    deinit {
        let alreadyStopped = stopped.withLock { $0 }
        if !alreadyStopped {
            // Immediate shutdown; the postmaster is not our child (pg_ctl detaches it), so signal it directly.
            if let pid = postmasterPID { kill(pid, SIGQUIT) }
            HarnessEnvironment.removeTemporaryDirectory(directory)
        }
    }

    /// The postmaster's pid, read from `data/postmaster.pid`.
    private var postmasterPID: Int32? {
        let text = HarnessEnvironment.readText(dataDirectory.appendingPathComponent("postmaster.pid"))
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Creates a cluster, starts the server on a free loopback port and waits until it accepts connections.
    ///
    /// - Parameter startTimeout: How long to wait for the server to accept connections.
    /// - Returns: The running server. Call ``stop()`` when done.
    /// - Throws: ``HarnessError`` when the binaries are missing, `initdb` fails, or the server does not start.
    public static func start(startTimeout: Duration = .seconds(30)) async throws -> PostgresServer {
        let binDirectory = try await findBinDirectory()
        let runAs = try runAsPrefix()
        let directory = try HarnessEnvironment.makeTemporaryDirectory(prefix: "celerity-pg")
        do {
            try giveToPostgresUser(directory, when: !runAs.isEmpty)
            try await initdb(binDirectory: binDirectory, directory: directory, runAs: runAs)
        } catch {
            HarnessEnvironment.removeTemporaryDirectory(directory)
            throw error
        }
        var lastError: HarnessError?
        for _ in 1...3 {
            let server = PostgresServer(
                port: try FreePort.allocate(), directory: directory, binDirectory: binDirectory, runAs: runAs
            )
            do {
                try await server.launch(timeout: startTimeout)
                return server
            } catch let error as HarnessError where error.code == .portInUse {
                server.stopped.withLock { $0 = true }  // Keep the cluster for the next port.
                lastError = error
            } catch {
                await server.stop()
                throw error
            }
        }
        HarnessEnvironment.removeTemporaryDirectory(directory)
        throw lastError!
    }

    /// The directory with the server binaries.
    private static func findBinDirectory() async throws -> URL {
        func hasServer(_ path: String) -> Bool {
            ["initdb", "pg_ctl", "postgres"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: (path as NSString).appendingPathComponent($0))
            }
        }
        if let override = HarnessEnvironment.variable("CELERITY_PG_BINDIR") {
            guard hasServer(override) else {
                throw HarnessError(.programNotFound, "CELERITY_PG_BINDIR=\(override) has no initdb, pg_ctl, postgres")
            }
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        if HarnessEnvironment.which("pg_config") != nil,
            let result = try? await ChildProcess.run("pg_config", arguments: ["--bindir"], timeout: .seconds(10)),
            result.termination.isSuccess
        {
            let path = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            if hasServer(path) { return URL(fileURLWithPath: path, isDirectory: true) }
        }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let newest = versions.compactMap { name in Double(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
            .map { "\(root)/\($0.0)/bin" }
            .first(where: hasServer)
        guard let newest else {
            throw HarnessError(
                .programNotFound,
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via pg_config or in "
                    + "/usr/lib/postgresql/*/bin: apt-get install postgresql (or set CELERITY_PG_BINDIR)"
            )
        }
        return URL(fileURLWithPath: newest, isDirectory: true)
    }

    /// `["/usr/sbin/runuser", "-u", "postgres", "--"]` when running as root, else nothing.
    private static func runAsPrefix() throws -> [String] {
        guard geteuid() == 0 else { return [] }
        guard getpwnam("postgres") != nil else {
            throw HarnessError(
                .programNotFound,
                "PostgreSQL refuses to run as root and there is no user 'postgres' to run it as: "
                    + "apt-get install postgresql (or useradd --system postgres)"
            )
        }
        let runuser = try HarnessEnvironment.require("runuser", hint: "apt-get install util-linux")
        return [runuser, "-u", "postgres", "--"]
    }

    /// Hands `directory` to the `postgres` user when the server will run as that user.
    private static func giveToPostgresUser(_ directory: URL, when needed: Bool) throws {
        guard needed, let entry = getpwnam("postgres") else { return }
        guard chown(directory.path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw HarnessError(.io, "chown postgres \(directory.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs a server binary (as `postgres` when root) in the scratch directory.
    private static func runTool(
        _ tool: String, _ arguments: [String], binDirectory: URL, directory: URL, runAs: [String],
        timeout: Duration
    ) async throws -> ChildProcess.Result {
        let path = binDirectory.appendingPathComponent(tool).path
        let command = runAs + [path] + arguments
        return try await ChildProcess.run(
            command[0], arguments: Array(command.dropFirst()), environment: ["LC_ALL": "C"],
            workingDirectory: directory, timeout: timeout
        )
    }

    private static func initdb(binDirectory: URL, directory: URL, runAs: [String]) async throws {
        let data = directory.appendingPathComponent("data").path
        let result = try await runTool(
            "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            binDirectory: binDirectory, directory: directory, runAs: runAs, timeout: .seconds(120)
        )
        guard result.termination.isSuccess else {
            throw HarnessError(
                .serverDidNotStart,
                "initdb failed (\(result.termination))\n"
                    + tail(result.standardOutput + result.standardError)
            )
        }
    }

    private func runTool(_ tool: String, _ arguments: [String], timeout: Duration) async throws
        -> ChildProcess.Result
    {
        try await Self.runTool(
            tool, arguments, binDirectory: binDirectory, directory: directory, runAs: runAs, timeout: timeout
        )
    }

    /// `pg_ctl start`, then waits until `pg_isready` says the server accepts connections.
    private func launch(timeout: Duration) async throws {
        let options = [
            "-p \(port)", "-k \(directory.path)", "-c listen_addresses=127.0.0.1",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
        ].joined(separator: " ")
        let seconds = String(max(1, timeout.components.seconds))
        let started = try await runTool(
            "pg_ctl", ["-D", dataDirectory.path, "-l", logURL.path, "-w", "-t", seconds, "-o", options, "start"],
            timeout: timeout + .seconds(10)
        )
        guard started.termination.isSuccess else {
            let log = self.log
            let code: HarnessError.Code = log.contains("Address already in use") ? .portInUse : .serverDidNotStart
            throw HarnessError(
                code,
                "pg_ctl start on port \(port) failed (\(started.termination))\n"
                    + tail(started.standardOutput + started.standardError) + "\n  server log:\n" + tail(log)
            )
        }
        let isReady = binDirectory.appendingPathComponent("pg_isready").path
        do {
            try await poll(timeout: timeout, interval: .milliseconds(20), "PostgreSQL on port \(port) accepts connections") {
                let probe = try await ChildProcess.run(
                    isReady, arguments: ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-t", "1"],
                    timeout: .seconds(5)
                )
                return probe.termination.isSuccess
            }
        } catch let error as HarnessError where error.code == .timeout {
            throw HarnessError(.serverDidNotStart, "\(error.message)\n  server log:\n\(tail(log))")
        }
    }

    /// Stops the server (`pg_ctl stop -m fast`; `SIGQUIT` to the postmaster if that fails) and removes its
    /// directory. Calling it again does nothing.
    public func stop() async {
        let wasStopped = stopped.withLock { state -> Bool in
            defer { state = true }
            return state
        }
        guard !wasStopped else { return }
        let pid = postmasterPID
        let result = try? await runTool(
            "pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "30", "stop"], timeout: .seconds(40)
        )
        if result?.termination.isSuccess != true, let pid {
            kill(pid, SIGQUIT)
            try? await poll(timeout: .seconds(10), "postmaster \(pid) exits") { kill(pid, 0) != 0 }
        }
        HarnessEnvironment.removeTemporaryDirectory(directory)
    }

    /// Restarts the server on the same port and data (`pg_ctl stop -m fast`, then start): every open connection
    /// breaks, as when the database server of a deployment restarts.
    /// - Throws: ``HarnessError`` when the server does not stop or come back.
    public func restart(timeout: Duration = .seconds(30)) async throws {
        let stopped = try await runTool(
            "pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "30", "stop"], timeout: .seconds(40)
        )
        guard stopped.termination.isSuccess else {
            throw HarnessError(.processFailed, "pg_ctl stop failed (\(stopped.termination))\n\(tail(log))")
        }
        try await launch(timeout: timeout)
    }

    /// Runs SQL with `psql` (unaligned, tuples only, stop on error) and returns its standard output, trimmed.
    ///
    /// This client is independent of the code under test, for set-up and assertions: rows come one per line,
    /// columns separated by `|`.
    /// - Parameters:
    ///   - sql: One or more statements.
    ///   - database: The database to connect to.
    /// - Throws: ``HarnessError`` with psql's error output when the SQL fails.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        let psql = FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent("psql").path)
            ? binDirectory.appendingPathComponent("psql").path
            : try HarnessEnvironment.require("psql", hint: "apt-get install postgresql-client")
        let result = try await ChildProcess.run(
            psql,
            arguments: [
                "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
                "-U", "postgres", "-d", database, "-c", sql,
            ],
            environment: ["PGCONNECT_TIMEOUT": "5"],
            timeout: .seconds(60)
        )
        guard result.termination.isSuccess else {
            throw HarnessError(
                .processFailed, "psql failed (\(result.termination)) for: \(sql)\n\(tail(result.standardError))"
            )
        }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Starts a ``PostgresServer``, runs `body` with it, and always stops it afterwards, also when `body` throws.
///
/// - Parameter body: The test code.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, or ``HarnessError`` when the server cannot start.
public func withPostgresServer<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresServer) async throws -> T
) async throws -> T {
    let server = try await PostgresServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
