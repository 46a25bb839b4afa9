import Broker
import Foundation

extension PythonCelery {
    /// Installs `requirements` (pip requirement specifiers, e.g. `flower==2.0.1`) into this environment, once: tests
    /// in one process share one installation, and a marker file in the environment naming the requirements makes
    /// later test runs skip pip. Celery is pinned again in the same pip call, so pip cannot move it while other
    /// tests use the environment.
    ///
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/installationFailed`` and pip's output when pip fails.
    public func install(_ requirements: [String]) async throws {
        let key = virtualEnvironment.path + " " + requirements.joined(separator: " ")
        let task = PackageInstalls.running.withLock { running in
            if let task = running[key] { return task }
            let task = Task { try await PackageInstalls.run(requirements, into: self) }
            running[key] = task
            return task
        }
        try await task.value
    }
}

private enum PackageInstalls {
    static let running = Locked<[String: Task<Void, any Error>]>([:])

    static func run(_ requirements: [String], into celery: PythonCelery) async throws {
        let wanted = requirements.joined(separator: "\n") + "\n"
        let name = requirements.map { $0.filter { $0.isLetter || $0.isNumber || $0 == "." } }.joined(separator: "-")
        let marker = celery.virtualEnvironment.appendingPathComponent(".celerity-packages-\(name)")
        if (try? String(contentsOf: marker, encoding: .utf8)) == wanted { return }
        let pip = try await ChildProcess.run(
            celery.python,
            arguments: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input"] + requirements
                + ["celery[redis]==\(celery.version)"],
            timeout: .seconds(600)
        )
        guard pip.termination.isSuccess else {
            throw HarnessError(
                .installationFailed,
                "pip install \(requirements.joined(separator: " ")) failed (\(pip.termination))\n\(pip.standardOutput)\n\(pip.standardError)"
            )
        }
        try Data(wanted.utf8).write(to: marker)
    }
}
