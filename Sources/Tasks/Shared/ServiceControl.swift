import Foundation
import HTTP
import Logging
import TaskAPI

/// How a job that changed a service's env file makes the service pick it up and checks that it still works:
/// a reload hook (an empty HTTP POST to a URL, or a command run without a shell) and health URLs (each must answer
/// a GET with 2xx in time). The contract a service offers is in docs/jobs.md.
struct ServiceControl: Sendable {
    /// How the service is told to reload its env file.
    enum Reload: Sendable {
        /// An empty POST to this URL; any 2xx answer means reloaded.
        case url(String)
        /// A program and its arguments, started with `posix_spawn` (no shell) with a minimal environment; exit 0
        /// means reloaded. Nothing secret is ever one of its arguments.
        case command([String])
    }

    /// The reload hook; `nil` when the service reads the file by itself.
    var reload: Reload?
    /// The health URLs.
    var healthURLs: [String]
    /// How long one reload or one health request may take.
    var timeout: Duration = .seconds(10)

    /// The hook from the values of `<prefix>_RELOAD_URL` and `<prefix>_RELOAD_COMMAND` (at most one may be set; a
    /// command is split at whitespace into the program and its arguments).
    /// - Throws: ``SettingsError`` when both are set.
    static func reload(url: String?, command: String?, key prefix: String) throws(SettingsError) -> Reload? {
        switch (url, command) {
        case (let url?, nil): return .url(url)
        case (nil, let command?):
            let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
            return words.isEmpty ? nil : .command(words)
        case (nil, nil): return nil
        case (.some, .some):
            throw SettingsError(
                key: "\(prefix)_RELOAD_URL", problem: "and \(prefix)_RELOAD_COMMAND are both set: keep one")
        }
    }

    /// Runs the reload hook (nothing when there is none).
    /// - Parameter secrets: Values scrubbed from the hook's output before it reaches an error (a rotation's old and
    ///   new secrets: a hook run with `set -x` would print them).
    /// - Throws: ``ServiceControlError`` saying what failed.
    func reloadService(http: HTTPClient, logger: Logger, secrets: [String] = []) async throws(ServiceControlError) {
        switch reload {
        case nil:
            return
        case .url(let url):
            let response: HTTPResponse
            do {
                response = try http.send(HTTPRequest(method: .post, url: url, timeout: timeout))
            } catch {
                throw ServiceControlError("the reload hook failed: \(error)")
            }
            guard (200..<300).contains(response.status) else {
                throw ServiceControlError("the reload URL \(RedactedURL(url)) answered \(response.status), not 2xx")
            }
        case .command(let words):
            let command = ExternalCommand(executable: words[0], arguments: Array(words.dropFirst()), timeout: timeout)
            do {
                try await command.run(scrubber: SecretScrubber(secrets: secrets))
            } catch {
                throw ServiceControlError("the reload command failed: \(error)")
            }
        }
        logger.info("service reloaded", metadata: ["reload": "\(describe)"])
    }

    /// GETs every health URL; each must answer 2xx within ``timeout``.
    /// - Throws: ``ServiceControlError`` naming the first URL (redacted) that did not.
    func checkHealth(http: HTTPClient) throws(ServiceControlError) {
        for url in healthURLs {
            let response: HTTPResponse
            do {
                response = try http.send(HTTPRequest(method: .get, url: url, timeout: timeout))
            } catch {
                throw ServiceControlError("health check failed: \(error)")
            }
            guard (200..<300).contains(response.status) else {
                throw ServiceControlError("health check \(RedactedURL(url)) answered \(response.status), not 2xx")
            }
        }
    }

    /// The hook as logs and results show it: the redacted URL or the program's name.
    var describe: String {
        switch reload {
        case nil: "none"
        case .url(let url): "POST \(RedactedURL(url))"
        case .command(let words): (words[0] as NSString).lastPathComponent
        }
    }
}
