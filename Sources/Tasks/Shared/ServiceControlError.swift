/// A reload hook or health check that failed, or a reload configuration that makes no sense.
struct ServiceControlError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
