import TaskAPI

/// The tasks of the `celerity` binary: set up once in each worker process.
public enum CelerityTasks: TaskApplication {
    public static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        try TaskRegistry(DemoTasks.all)
    }
}
