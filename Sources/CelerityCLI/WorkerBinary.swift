import ArgumentParser
import Broker
import TaskAPI

extension CommandConfiguration {
    /// The root command of a worker binary: `worker` and the hidden `worker-process` for `application`, the
    /// application's own `subcommands`, and `--version`.
    ///
    /// ```swift
    /// @main
    /// struct ShopWorker: AsyncParsableCommand {
    ///     static let configuration = CommandConfiguration.worker(Shop.self, commandName: "shop-worker", version: "1.2.0")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - application: The tasks this binary runs.
    ///   - commandName: The binary's name, as the help shows it.
    ///   - abstract: One line for the help.
    ///   - version: The application's version: `--version` prints `1.2.0 (Celerity 0.9.0)`, or the Celerity
    ///     version alone when this is `nil`.
    ///   - subcommands: The application's own commands, listed after `worker`.
    public static func worker<Application: TaskApplication>(
        _ application: Application.Type, commandName: String, abstract: String = "", version: String? = nil,
        subcommands: [any ParsableCommand.Type] = []
    ) -> CommandConfiguration {
        CommandConfiguration(
            commandName: commandName,
            abstract: abstract,
            version: version.map { "\($0) (Celerity \(CelerityVersion.current))" } ?? CelerityVersion.current,
            subcommands: [WorkerCommand<Application>.self] + subcommands + [WorkerProcessCommand<Application>.self]
        )
    }
}
