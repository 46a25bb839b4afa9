import Worker

/// The task set of the `celerity` binary.
public enum CelerityTasks: WorkerApplication {
    public static var tasks: TaskRegistry {
        TaskRegistry(DemoTasks.all)
    }
}
