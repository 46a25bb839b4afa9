extension SupervisorChannel {
    /// Sends a `done` line.
    func send(_ report: TaskReport) {
        send(["done"] + report.fields)
    }
}
