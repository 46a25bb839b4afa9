/// `--memory-budget` (docs/flow-control.md): the most resident memory a node's worker processes may use together.
/// The supervisor never grows the pool (`pool_grow`, `autoscale`, `--autoscale`) past what the budget holds: a new
/// process is assumed to need as much as the largest one running (at least ``floorBytes``), so a pool that already
/// uses most of the budget stays as it is. Shrinking is never held back, and a pool's first process always runs.
struct MemoryBudget: Sendable, Equatable {
    /// The budget in bytes.
    var bytes: Int

    /// What a new process is assumed to need when none runs yet, or all run smaller: 16 MiB.
    static let floorBytes = 16 << 20

    /// The budget `mebibytes` MiB (validated at the edge: 16 MiB to 1 TiB).
    init(mebibytes: Int) {
        bytes = mebibytes << 20
    }

    /// How many processes the pool may run when it wants `desired` and has `current` now, of which those measured
    /// use `residentBytes` (a process starting, not measured yet, counts as a new one).
    func allowedProcesses(desired: Int, current: Int, residentBytes: [Int]) -> Int {
        guard desired > current else { return max(1, desired) }
        let perProcess = max(Self.floorBytes, residentBytes.max() ?? 0)
        let used = residentBytes.reduce(0, +) + max(0, current - residentBytes.count) * perProcess
        let room = max(0, bytes - used) / perProcess
        return max(1, current + min(desired - current, room))
    }
}
