/// A long-lived part of a command (the process pool, the lease keeper, the ETA promoter, the control listener,
/// `/metrics`, the alerter, the scheduler, the outbox relay), in the shape of swift-service-lifecycle's `Service`:
/// one `run(until:)`, and one way to stop it, the ``Shutdown`` it is given. Run several with a ``ServiceGroup``.
package protocol Service: Sendable {
    /// Runs until the part's work is over or `shutdown` asks it to stop, and returns only once everything it
    /// started (threads, connections, servers) has stopped. Blocking work runs on a thread of its own
    /// (``PosixThread/run(name:stackSize:_:)``) that reads ``Shutdown/level`` between steps.
    /// - Throws: when the part cannot go on (a configuration Redis refuses, an address it cannot bind).
    func run(until shutdown: Shutdown) async throws
}
