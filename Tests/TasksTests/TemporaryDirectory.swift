import Foundation

/// A fresh directory under the system's temporary directory, removed when the value goes away
/// (kept when `CELERITY_KEEP_TEST_FILES=1`).
final class TemporaryDirectory: Sendable {
    /// The directory.
    let url: URL

    /// The directory's path.
    var path: String { url.path }

    init(prefix: String) throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed for \(prefix)"])
        }
        url = URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["CELERITY_KEEP_TEST_FILES"] != "1" {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// A path inside the directory.
    func appending(_ name: String) -> String { url.appendingPathComponent(name).path }
}
