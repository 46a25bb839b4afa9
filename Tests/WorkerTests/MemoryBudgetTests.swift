import Testing

@testable import Worker

/// `--memory-budget`: the pool never grows past what the budget holds; shrinking is never held back.
@Suite struct MemoryBudgetTests {
    let mebibyte = 1 << 20

    @Test func growthStopsWhereTheNextProcessWouldPassTheBudget() {
        let budget = MemoryBudget(mebibytes: 100)
        // Two processes of 30 MiB use 60; a third (assumed 30 MiB like the largest) fits, a fourth does not.
        #expect(budget.allowedProcesses(desired: 8, current: 2, residentBytes: [30 * mebibyte, 20 * mebibyte]) == 3)
        #expect(budget.allowedProcesses(desired: 3, current: 2, residentBytes: [30 * mebibyte, 30 * mebibyte]) == 3)
        #expect(budget.allowedProcesses(desired: 8, current: 3, residentBytes: [30 * mebibyte, 30 * mebibyte, 30 * mebibyte]) == 3)
    }

    @Test func aProcessNotMeasuredYetCountsAsANewOne() {
        let budget = MemoryBudget(mebibytes: 64)
        // One measured at 20 MiB, one starting (counted as 20): 40 used, room for one more of 20.
        #expect(budget.allowedProcesses(desired: 10, current: 2, residentBytes: [20 * mebibyte]) == 3)
        // Nothing measured: each counts as the 16 MiB floor.
        #expect(budget.allowedProcesses(desired: 10, current: 1, residentBytes: []) == 4)
    }

    @Test func shrinkingAndTheFirstProcessAreNeverHeldBack() {
        let budget = MemoryBudget(mebibytes: 16)
        #expect(budget.allowedProcesses(desired: 2, current: 6, residentBytes: Array(repeating: 50 * mebibyte, count: 6)) == 2)
        #expect(budget.allowedProcesses(desired: 4, current: 1, residentBytes: [200 * mebibyte]) == 1)
        #expect(budget.allowedProcesses(desired: 0, current: 0, residentBytes: []) == 1)
    }
}
