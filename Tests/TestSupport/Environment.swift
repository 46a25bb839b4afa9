import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding programs and making scratch directories for the harness.
enum HarnessEnvironment {
    /// Directories searched after `PATH`, so that `/usr/sbin/runuser` is found even with a short `PATH`.
    private static let fallbackDirectories = [
        "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
    ]

    /// The value of an environment variable, or `nil` when it is unset or empty.
    static func variable(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// Whether the harness should leave temporary directories and logs behind for inspection.
    ///
    /// Set `CELERITY_KEEP_TEST_FILES=1` to keep them.
    static var keepFiles: Bool { variable("CELERITY_KEEP_TEST_FILES") == "1" }

    /// The absolute path of an executable file named `name`, searched in `PATH` then in the usual system
    /// directories; `name` is returned as is when it already contains a slash and is executable.
    static func which(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = variable("PATH")?.split(separator: ":").map(String.init) ?? []
        for directory in path + fallbackDirectories {
            let candidate = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Finds a required program, or throws an error that says how to install it.
    ///
    /// - Parameters:
    ///   - name: The program's file name, e.g. `redis-server`.
    ///   - override: An environment variable that, when set, names the program to use instead.
    ///   - hint: What to do when it is missing, e.g. `apt-get install redis-server`.
    static func require(_ name: String, override: String? = nil, hint: String) throws -> String {
        if let override, let chosen = variable(override) {
            guard let found = which(chosen) else {
                throw HarnessError(.programNotFound, "\(override)=\(chosen) is not an executable file")
            }
            return found
        }
        guard let found = which(name) else {
            throw HarnessError(.programNotFound, "\(name) not found on PATH: \(hint)")
        }
        return found
    }

    /// The parent of every scratch directory: `CELERITY_TEST_TMPDIR`, else `/tmp`.
    ///
    /// `/tmp` rather than `$TMPDIR` keeps unix socket paths short and lets the `postgres` user reach them.
    static var scratchRoot: String { variable("CELERITY_TEST_TMPDIR") ?? "/tmp" }

    /// Creates a fresh, private directory such as `/tmp/celerity-redis-Ab12Cd`.
    static func makeTemporaryDirectory(prefix: String) throws -> URL {
        var template = Array("\(scratchRoot)/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard created != nil else {
            throw HarnessError(.io, "cannot create a directory in \(scratchRoot): \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    /// Removes a scratch directory unless `CELERITY_KEEP_TEST_FILES=1`; errors are ignored.
    static func removeTemporaryDirectory(_ url: URL) {
        guard !keepFiles else { return }
        try? FileManager.default.removeItem(at: url)
    }

    /// The contents of a text file, or an empty string when it cannot be read.
    static func readText(_ url: URL) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
