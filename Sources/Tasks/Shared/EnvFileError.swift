import Foundation

/// An env file that could not be read or written; the message names the path and the step, never a value.
struct EnvFileError: Error, Sendable, CustomStringConvertible {
    let path: String
    let message: String

    init(path: String, _ problem: String, errno code: Int32) {
        self.path = path
        self.message = "\(path) \(problem): \(String(cString: strerror(code))); check the path and its permissions"
    }

    /// An error that is not a failed system call: what is wrong and what to do.
    init(path: String, _ problem: String) {
        self.path = path
        self.message = "\(path) \(problem)"
    }

    var description: String { message }
}
