import Broker
import TaskAPI
import Testing

@Suite struct TaskRegistryTests {
    @Test("a duplicate name is an error naming both definitions")
    func duplicateNames() throws {
        let first = TaskDefinition("demo.add") { _, _ in 1 }
        let second = TaskDefinition("demo.add") { _, _ in 2 }
        var registry = try TaskRegistry([first])
        #expect(throws: TaskRegistryError.self) { try registry.register(second) }
        do {
            try registry.register(second)
        } catch {
            #expect("\(error)".contains(first.location))
            #expect("\(error)".contains(second.location))
            #expect(first.location != second.location)
        }
    }

    @Test("aliases resolve to their task; an alias to nothing or over a task name is refused")
    func aliases() throws {
        var registry = try TaskRegistry([TaskDefinition("purchases.unlock") { _, _ in nil }, TaskDefinition("demo.add") { _, _ in 1 }])
        try registry.alias(pairs: "myapp.tasks.unlock=purchases.unlock, legacy.add = demo.add")
        #expect(registry["myapp.tasks.unlock"]?.name == "purchases.unlock")
        #expect(registry["legacy.add"]?.name == "demo.add")
        #expect(registry["nope"] == nil)
        #expect(registry.names == ["demo.add", "purchases.unlock"])
        #expect(throws: TaskRegistryError.self) { try registry.alias("x", for: "missing.task") }
        #expect(throws: TaskRegistryError.self) { try registry.alias("demo.add", for: "purchases.unlock") }
        #expect(throws: TaskRegistryError.self) { try registry.alias(pairs: "no-equals-sign") }
    }

    @Test("one retry-policy constructor: exponential backoff with a cap, jitter optional")
    func retryPolicy() {
        let policy = RetryPolicy.exponential(maxRetries: 3, base: .milliseconds(100), cap: .milliseconds(250), jitter: false)
        #expect(policy.delay(afterRetries: 0) == .milliseconds(100))
        #expect(policy.delay(afterRetries: 1) == .milliseconds(200))
        #expect(policy.delay(afterRetries: 5) == .milliseconds(250))
        let jittered = RetryPolicy.exponential(maxRetries: 3, base: .seconds(1))
        #expect(jittered.delay(afterRetries: 2, random: 0.5) == .seconds(2))
        #expect(RetryPolicy.none.maxRetries == 0)
    }
}
