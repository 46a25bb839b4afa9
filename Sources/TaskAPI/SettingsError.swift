/// A configuration value that is missing or unusable; its text names the key, never the value.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// The key (or the configuration file) at fault.
    public var key: String
    /// What is wrong with it.
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "configuration: \(key) \(problem)" }
}
