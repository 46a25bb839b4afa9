import Foundation
import Subprocess
import SystemPackage

/// A program a backup step runs (`pg_dump`, `gzip`, `redis-cli`, the off-site copy command, …).
///
/// It is started with `posix_spawn` through swift-subprocess: no shell (each argument reaches the program as it
/// is), and an explicit environment — `PATH`, `LC_ALL=C`, `TZ=UTC` and only the variables the step gives, such
/// as `PGPASSWORD`. The worker's own environment (database URLs, the Slack webhook) is not passed on, and no
/// password is ever an argument: `/proc/<pid>/cmdline` is readable by every user of the machine.
struct ExternalCommand: Sendable {
    /// A name looked up in `PATH`, or a path.
    var executable: String
    /// The arguments, each passed as one word.
    var arguments: [String]
    /// Variables added to the minimal environment.
    var environment: [String: String] = [:]
    /// A file the program reads on standard input; `/dev/null` when `nil`.
    var standardInput: String?
    /// A file created (mode 0600, must not exist) for standard output; discarded when `nil`.
    var standardOutput: String?
    /// How long the program may run before it is killed and the step fails.
    var timeout: Duration = .seconds(3600)
    /// Whether the program starts from the worker's environment without Celerity's own variables (`CELERITY_*`,
    /// `SLACK_WEBHOOK_URL`) instead of the minimal one: for the off-site copy command, which needs its own
    /// credentials (`AWS_*`, `HOME`).
    var inheritsEnvironment = false

    /// What a finished program printed on standard error, scrubbed of the secrets it was given.
    struct Outcome: Sendable {
        var standardError: String
    }

    /// The variables every program gets: `PATH` (the worker's, or the usual directories), `LC_ALL=C`, `TZ=UTC`.
    static var baseEnvironment: [String: String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return ["PATH": path, "LC_ALL": "C", "TZ": "UTC"]
    }

    /// The worker's environment without Celerity's own variables, which hold database URLs and the webhook.
    static var inheritedEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("CELERITY_") && key != "SLACK_WEBHOOK_URL"
        }
    }

    /// The program's name as shown in errors: its last path component.
    var displayName: String { executable.split(separator: "/").last.map(String.init) ?? executable }

    /// Runs the program to completion.
    ///
    /// - Parameter scrubber: Removes secrets from standard error before it is returned or thrown.
    /// - Returns: Standard error, for steps that read it.
    /// - Throws: ``BackupError`` with code `command` when the program is missing, cannot start, exits non-zero or
    ///   is killed (with the last lines of its standard error), or `timeout` when it runs past ``timeout``.
    @discardableResult
    func run(scrubber: SecretScrubber) async throws -> Outcome {
        let base = inheritsEnvironment ? Self.inheritedEnvironment : Self.baseEnvironment
        let variables = base.merging(environment) { _, new in new }
        let environment = Environment.custom(
            Dictionary(uniqueKeysWithValues: variables.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        )
        let executable: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        let inputPath = standardInput ?? "/dev/null"
        let input: FileDescriptor
        do {
            input = try FileDescriptor.open(FilePath(inputPath), .readOnly, options: [.closeOnExec])
        } catch {
            throw BackupError(.io, "cannot read \(inputPath): \(error)")
        }
        let output: FileDescriptor
        do {
            if let standardOutput {
                output = try FileDescriptor.open(
                    FilePath(standardOutput), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                    permissions: [.ownerReadWrite]
                )
            } else {
                output = try FileDescriptor.open(FilePath("/dev/null"), .writeOnly, options: [.closeOnExec])
            }
        } catch {
            try? input.close()
            throw BackupError(.io, "cannot create \(standardOutput ?? "/dev/null"): \(error)")
        }
        let arguments = Arguments(self.arguments)
        let name = displayName
        let timeout = self.timeout
        let result: ExecutionRecord
        do {
            result = try await withThrowingTaskGroup(of: ExecutionRecord?.self) { group in
                group.addTask {
                    let record = try await Subprocess.run(
                        executable, arguments: arguments, environment: environment,
                        input: .fileDescriptor(input, closeAfterSpawningProcess: true),
                        output: .fileDescriptor(output, closeAfterSpawningProcess: true),
                        error: .string(limit: 1 << 20)
                    )
                    return ExecutionRecord(status: record.terminationStatus, standardError: record.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                guard let first else {
                    throw BackupError(.timeout, "\(name) ran longer than \(timeout) and was killed")
                }
                return first
            }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.command, "\(name) could not be run: \(scrubber.scrub("\(error)"))")
        }
        let standardError = scrubber.scrub(result.standardError)
        guard case .exited(0) = result.status else {
            let tail = standardError.split(separator: "\n").suffix(5).joined(separator: " | ")
            throw BackupError(.command, "\(name) failed (\(result.status))\(tail.isEmpty ? "" : ": \(tail)")")
        }
        return Outcome(standardError: standardError)
    }

    private struct ExecutionRecord: Sendable {
        var status: TerminationStatus
        var standardError: String
    }
}
