import TaskAPI

/// The tasks of the `celerity` binary, set up once in each worker process: the demo tasks and the job
/// families, which share one ``TaskResources``.
public enum CelerityTasks: TaskApplication {
    public static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        let resources = try TaskResources(context)
        context.onShutdown { resources.close() }
        var registry = try TaskRegistry(DemoTasks.all)
        // Each job family adds its definitions here: `try registry.register(Family.definitions(resources))`.
        try registry.register(BackupTasks.definitions(resources))
        try registry.register(InflationTasks.definitions(resources))
        try registry.register(SecretsTasks.definitions(resources))
        try PurchaseTasks.register(into: &registry, resources)
        try registry.register(InvoiceTasks.definitions(resources))
        return registry
    }
}
