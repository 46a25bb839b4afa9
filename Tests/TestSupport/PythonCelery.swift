import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Real Python Celery, pinned to one version in its own virtual environment, for interop tests.
///
/// ``prepare(version:)`` makes `<repo>/.build/celery-venv-<version>` with `python3 -m venv` and
/// `pip install "celery[redis]==<version>"` the first time, and reuses it afterwards. Parallel tests, in one test
/// process or several, wait for one another on a file lock instead of installing twice. `CELERITY_PYTHON` names
/// the interpreter that creates the environment (default: `python3` on `PATH`); delete the directory after
/// changing it. A failed installation is an error with pip's output, never a skipped test.
///
/// The Python side lives in `Tests/InteropTests/python`: `compat.py` (the `compat` app and its tasks) and
/// `send.py` (send tasks, wait for results). Both read the broker and backend URL from `CELERITY_REDIS_URL`.
///
/// ```swift
/// let celery = try await PythonCelery.prepare()
/// let worker = try await celery.startWorker(redisURL: redis.url)
/// let id = try await celery.sendTask("compat.add", args: [2, 3], redisURL: redis.url)
/// #expect(try await celery.waitForResult(taskID: id, redisURL: redis.url).result == 5)
/// await worker.stop()
/// ```
public struct PythonCelery: Sendable {
    /// The Celery version the interop tests use unless they ask for another.
    public static let defaultVersion = "5.7.0"

    /// The pinned Celery version.
    public let version: String
    /// The virtual environment's directory.
    public let virtualEnvironment: URL

    /// The virtual environment's Python interpreter.
    public var python: String { virtualEnvironment.appendingPathComponent("bin/python").path }

    /// The repository's root directory, found from this source file's path.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)  // <root>/Tests/TestSupport/PythonCelery.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `Tests/InteropTests/python`: `compat.py` and `send.py`.
    public static var scriptsDirectory: URL {
        repositoryRoot.appendingPathComponent("Tests/InteropTests/python", isDirectory: true)
    }

    private init(version: String, virtualEnvironment: URL) {
        self.version = version
        self.virtualEnvironment = virtualEnvironment
    }

    /// Makes sure the virtual environment for `version` exists, creating it if needed.
    ///
    /// - Parameter version: The Celery version to pin, e.g. `"5.7.0"` or `"5.5.3"`.
    /// - Returns: A handle on the ready environment.
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/installationFailed`` and the tail of the output of
    ///   `venv` or `pip` when the environment cannot be created, or ``HarnessError/Code/programNotFound`` when
    ///   there is no Python.
    public static func prepare(version: String = defaultVersion) async throws -> PythonCelery {
        let buildDirectory = repositoryRoot.appendingPathComponent(".build", isDirectory: true)
        let celery = PythonCelery(
            version: version,
            virtualEnvironment: buildDirectory.appendingPathComponent("celery-venv-\(version)", isDirectory: true)
        )
        try await VirtualEnvironmentInstaller.shared.ensure(celery, buildDirectory: buildDirectory)
        return celery
    }

    /// The environment every Python process gets: the Redis URL, unbuffered output, no `.pyc` files in the repo.
    private func pythonEnvironment(redisURL: String, extra: [String: String]) -> [String: String] {
        [
            "CELERITY_REDIS_URL": redisURL,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "VIRTUAL_ENV": virtualEnvironment.path,
        ].merging(extra) { _, new in new }
    }

    /// Starts a Celery worker for the `compat` app and waits until it logs that it is ready.
    ///
    /// Runs `python -m celery -A compat worker --pool=<pool> -Q <queues> --loglevel=INFO
    /// --hostname compat-<random>@%h` in ``scriptsDirectory``.
    /// - Parameters:
    ///   - redisURL: The broker and backend URL (`CELERITY_REDIS_URL`).
    ///   - queues: The queues to consume.
    ///   - pool: The execution pool; `solo` runs tasks in the worker process itself.
    ///   - concurrency: `--concurrency`, for pools other than `solo`.
    ///   - extraArgs: More worker options, e.g. `["--without-mingle", "--without-gossip"]`.
    ///   - environment: More environment variables, e.g. `["CELERITY_TRACK_STARTED": "1"]`.
    ///   - readyTimeout: How long to wait for "ready." in the worker's log.
    /// - Returns: The running worker; its log is ``ChildProcess/output``. Stop it with ``ChildProcess/stop(gracePeriod:)``
    ///   (a warm shutdown on `SIGTERM`) or kill it.
    /// - Throws: ``HarnessError`` with the worker's log if it exits or is not ready in time.
    public func startWorker(
        redisURL: String,
        queues: [String] = ["celery"],
        pool: String = "solo",
        concurrency: Int? = nil,
        extraArgs: [String] = [],
        environment: [String: String] = [:],
        readyTimeout: Duration = .seconds(60)
    ) async throws -> ChildProcess {
        let name = "compat-\(UUID().uuidString.prefix(8).lowercased())@%h"
        var arguments = [
            "-m", "celery", "-A", "compat", "worker", "--pool=\(pool)", "-Q", queues.joined(separator: ","),
            "--loglevel=INFO", "--hostname", name,
        ]
        if let concurrency { arguments.append("--concurrency=\(concurrency)") }
        arguments += extraArgs
        let worker = try ChildProcess(
            python, arguments: arguments,
            environment: pythonEnvironment(redisURL: redisURL, extra: environment),
            workingDirectory: Self.scriptsDirectory
        )
        do {
            try await poll(timeout: readyTimeout, interval: .milliseconds(50), "Celery \(version) worker logs 'ready.'") {
                if let termination = worker.termination {
                    throw HarnessError(
                        .processFailed, "Celery worker exited (\(termination)) before it was ready\n\(worker.diagnostics())"
                    )
                }
                return worker.output.contains(" ready.")
            }
        } catch let error as HarnessError where error.code == .timeout {
            await worker.stop(gracePeriod: .seconds(2))
            throw HarnessError(.timeout, "\(error.message)\n\(worker.diagnostics())")
        } catch {
            await worker.stop(gracePeriod: .seconds(2))
            throw error
        }
        return worker
    }

    /// Starts a worker, runs `body` with it, and always stops it afterwards, also when `body` throws.
    ///
    /// Takes the same parameters as ``startWorker(redisURL:queues:pool:concurrency:extraArgs:environment:readyTimeout:)``.
    public func withWorker<T>(
        redisURL: String,
        queues: [String] = ["celery"],
        pool: String = "solo",
        concurrency: Int? = nil,
        extraArgs: [String] = [],
        environment: [String: String] = [:],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ChildProcess) async throws -> T
    ) async throws -> T {
        let worker = try await startWorker(
            redisURL: redisURL, queues: queues, pool: pool, concurrency: concurrency, extraArgs: extraArgs,
            environment: environment
        )
        do {
            let result = try await body(worker)
            await worker.stop(gracePeriod: .seconds(10))
            return result
        } catch {
            await worker.stop(gracePeriod: .seconds(10))
            throw error
        }
    }

    /// Runs a script from ``scriptsDirectory`` with the environment's Python and returns its standard output.
    ///
    /// - Parameters:
    ///   - script: The script's file name, e.g. `send.py`.
    ///   - args: Its arguments.
    ///   - redisURL: The broker and backend URL (`CELERITY_REDIS_URL`).
    ///   - standardInput: Text the script reads on standard input.
    ///   - environment: More environment variables.
    ///   - timeout: How long the script may run.
    /// - Throws: ``HarnessError`` with the script's standard error when it exits unsuccessfully or runs too long.
    public func run(
        script: String = "send.py",
        args: [String],
        redisURL: String,
        standardInput: String? = nil,
        environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> String {
        let result = try await ChildProcess.run(
            python, arguments: [script] + args,
            environment: pythonEnvironment(redisURL: redisURL, extra: environment),
            workingDirectory: Self.scriptsDirectory,
            standardInput: standardInput.map { Data($0.utf8) },
            timeout: timeout
        )
        guard result.termination.isSuccess else {
            throw HarnessError(
                .processFailed,
                "python \(script) \(args.joined(separator: " ")) failed (\(result.termination))\n"
                    + tail(result.standardError) + "\n  stdout:\n" + tail(result.standardOutput)
            )
        }
        return result.standardOutput
    }

    /// Sends a task with `app.send_task` through `send.py` and returns its id.
    ///
    /// - Parameters:
    ///   - name: The task name, e.g. `compat.add`.
    ///   - args: Positional arguments.
    ///   - kwargs: Keyword arguments.
    ///   - options: More `send_task` options: `queue`, `priority`, `countdown`, `eta` (ISO-8601), `expires`
    ///     (seconds or ISO-8601), `task_id`, `headers`, …
    ///   - redisURL: The broker URL.
    public func sendTask(
        _ name: String,
        args: [InteropJSON] = [],
        kwargs: [String: InteropJSON] = [:],
        options: [String: InteropJSON] = [:],
        redisURL: String
    ) async throws -> String {
        var spec = options
        spec["name"] = .string(name)
        spec["args"] = .array(args)
        spec["kwargs"] = .object(kwargs)
        let output = try await run(args: ["send", InteropJSON.object(spec).jsonText], redisURL: redisURL)
        let id = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty, !id.contains("\n") else {
            throw HarnessError(.protocolViolation, "send.py printed no single task id: \(output)")
        }
        return id
    }

    /// Waits for a task's result with `AsyncResult(id).get(timeout:)` through `send.py`.
    ///
    /// - Parameters:
    ///   - taskID: The task id.
    ///   - redisURL: The backend URL.
    ///   - timeout: How long Python waits; ``CeleryOutcome/timedOut`` tells whether it gave up.
    public func waitForResult(
        taskID: String, redisURL: String, timeout: Duration = .seconds(10)
    ) async throws -> CeleryOutcome {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let output = try await run(
            args: ["wait", taskID, "--timeout", String(seconds)], redisURL: redisURL, timeout: timeout + .seconds(30)
        )
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        do {
            return try JSONDecoder().decode(CeleryOutcome.self, from: Data(line.utf8))
        } catch {
            throw HarnessError(.protocolViolation, "send.py wait printed no outcome JSON: \(output)")
        }
    }
}

/// Creates each virtual environment at most once per test process, and under a file lock across processes.
private actor VirtualEnvironmentInstaller {
    static let shared = VirtualEnvironmentInstaller()

    private var installs: [String: Task<Void, any Error>] = [:]

    func ensure(_ celery: PythonCelery, buildDirectory: URL) async throws {
        let key = celery.virtualEnvironment.path
        if let install = installs[key] { return try await install.value }
        let install = Task { try await Self.install(celery, buildDirectory: buildDirectory) }
        installs[key] = install
        try await install.value
    }

    private static func marker(_ celery: PythonCelery) -> URL {
        celery.virtualEnvironment.appendingPathComponent(".celerity-installed")
    }

    private static func isInstalled(_ celery: PythonCelery) -> Bool {
        HarnessEnvironment.readText(marker(celery)) == "celery[redis]==\(celery.version)\n"
            && FileManager.default.isExecutableFile(atPath: celery.python)
    }

    private static func install(_ celery: PythonCelery, buildDirectory: URL) async throws {
        if isInstalled(celery) { return }
        try FileManager.default.createDirectory(at: buildDirectory, withIntermediateDirectories: true)
        let lock = try await FileLock.acquire(
            buildDirectory.appendingPathComponent("celery-venv-\(celery.version).lock"), timeout: .seconds(1200)
        )
        defer { lock.release() }
        if isInstalled(celery) { return }  // Another test process made it while we waited.

        let started = ContinuousClock.now
        let interpreter = try HarnessEnvironment.require(
            "python3", override: "CELERITY_PYTHON", hint: "apt-get install python3 python3-venv"
        )
        try? FileManager.default.removeItem(at: celery.virtualEnvironment)  // A half-made one from a failed run.
        let venv = try await ChildProcess.run(
            interpreter, arguments: ["-m", "venv", celery.virtualEnvironment.path], timeout: .seconds(300)
        )
        guard venv.termination.isSuccess else {
            throw HarnessError(
                .installationFailed,
                "\(interpreter) -m venv \(celery.virtualEnvironment.path) failed (\(venv.termination)); "
                    + "is python3-venv installed?\n" + tail(venv.standardOutput + venv.standardError)
            )
        }
        let requirement = "celery[redis]==\(celery.version)"
        let pip = try await ChildProcess.run(
            celery.python,
            arguments: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", requirement],
            environment: ["PIP_NO_INPUT": "1"],
            timeout: .seconds(1200)
        )
        guard pip.termination.isSuccess else {
            try? FileManager.default.removeItem(at: celery.virtualEnvironment)
            throw HarnessError(
                .installationFailed,
                "pip install \"\(requirement)\" failed (\(pip.termination))\n"
                    + tail(pip.standardOutput + pip.standardError)
            )
        }
        try Data("\(requirement)\n".utf8).write(to: marker(celery))
        let seconds = (ContinuousClock.now - started).harnessDescription
        FileHandle.standardError.write(Data("TestSupport: created \(celery.virtualEnvironment.path) in \(seconds)\n".utf8))
    }
}

/// An exclusive `flock` on a file, taken by polling so that no thread of the cooperative pool blocks.
private struct FileLock: Sendable {
    private let descriptor: Int32

    static func acquire(_ url: URL, timeout: Duration) async throws -> FileLock {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HarnessError(.io, "cannot open lock file \(url.path): \(String(cString: strerror(errno)))")
        }
        do {
            try await poll(timeout: timeout, interval: .milliseconds(200), "lock \(url.path) is free") {
                if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
                if errno == EWOULDBLOCK || errno == EINTR { return false }
                throw HarnessError(.io, "flock \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            close(descriptor)
            throw error
        }
        return FileLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
