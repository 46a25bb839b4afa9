/// Which of its node's processes a worker process is, for the idle wait: the node's idle processes spread over its
/// queues' default buckets, and take turns looking at all its lists.
///
/// - **Lists**: process `k` waits (`BLMOVE`) on the default bucket of the `k`-th queue in the order the queues were
///   given, wrapping around: the default buckets are the lists that carry traffic. So with at least as many processes
///   as queues every queue's default bucket has a waiter, and with more (one queue and two processes) several wait on
///   the same bucket, so a burst there is taken one message per process at once (Redis serves the `BLMOVE`s of a list
///   in turn) instead of one at once and the rest as a prefetched batch at a later turn. The other priority buckets
///   have no waiter: every idle poll's script looks at all lists, at the turns below. With no more processes than
///   queues, the last process follows the traffic: it waits on the list its last message came from unless another
///   process waits there (then on its own), as one process alone would; the others keep their lists.
/// - **Turns**: ``IdleWait`` ends process `k`'s longest waits `k`/`processes` of the way through each round, so the
///   node looks at all its lists every round ÷ processes instead of every round.
///
/// Pure logic; the slot comes from the process id the supervisor gave (`node#index.generation`, ``ProcessPool``).
struct IdleSlot: Equatable, Sendable {
    /// The process's place among its node's processes, `0..<processes`.
    let index: Int
    /// How many processes the node runs (the most, with `--autoscale`).
    let processes: Int

    /// A process alone: it waits on the first list and looks at every list each round.
    static let single = IdleSlot(index: 0, processes: 1)

    /// Process `index` (any whole number; taken modulo `processes`) of a node of `processes` processes.
    init(index: Int, processes: Int) {
        self.processes = max(1, processes)
        self.index = ((index % self.processes) + self.processes) % self.processes
    }

    /// The slot of the process the supervisor named `processID` (`node#index.generation`); index 0 when the id has
    /// no such suffix (a process started by hand).
    init(processID: String, processes: Int) {
        let suffix = processID.split(separator: "#", omittingEmptySubsequences: false).last ?? ""
        let index = processID.contains("#") ? suffix.split(separator: ".").first.flatMap { Int($0) } ?? 0 : 0
        self.init(index: index, processes: processes)
    }

    /// The list an idle process waits on: its queue's default bucket among `waitingOrder` (the node's lists, the
    /// first `queues` of them each queue's default bucket) — or, for the last process of a node with no more processes
    /// than queues, `lastTaken` when that is one of the lists and no other process has it as its own.
    func list(waitingOrder: [String], queues: Int, lastTaken: String?) -> String {
        let defaultBuckets = max(1, min(queues, waitingOrder.count))
        let own = waitingOrder[index % defaultBuckets]
        guard index == processes - 1, processes <= defaultBuckets, processes < waitingOrder.count, let lastTaken,
            !waitingOrder.prefix(index).contains(lastTaken), waitingOrder.contains(lastTaken)
        else { return own }
        return lastTaken
    }
}
