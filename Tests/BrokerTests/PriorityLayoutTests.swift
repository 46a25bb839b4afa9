import Testing

@testable import Broker

/// kombu's `priority_steps` and `sep`: bucket names as kombu's `_q_for_pri(queue, priority(n))` gives them.
@Suite struct PriorityLayoutTests {
    @Test func kombuDefaultLayout() throws {
        let layout = PriorityLayout.kombuDefault
        #expect(layout.listKeys(queue: "q") == ["q", "q\u{06}\u{16}3", "q\u{06}\u{16}6", "q\u{06}\u{16}9"])
        #expect([0, 2, 3, 5, 8, 9, 42, -1].map(layout.step(for:)) == [0, 0, 3, 3, 6, 9, 9, 0])
    }

    @Test func customStepsAndSeparator() throws {
        let layout = try PriorityLayout(steps: "0, 5,9", separator: ":")
        #expect(layout.listKeys(queues: ["a", "b"]) == ["a", "b", "a:5", "b:5", "a:9", "b:9"])
        #expect(layout.listKey(queue: "a", priority: 7) == "a:5")
    }

    /// Python's `steps[bisect(steps, n) - 1]` wraps to the last step when every step is above `n`.
    @Test func stepsWithoutZeroWrapAsKombuDoes() throws {
        let layout = try PriorityLayout(steps: "3,6", separator: "|")
        #expect([0, 2, 3, 7].map(layout.step(for:)) == [6, 6, 3, 6])
        #expect(layout.listKeys(queue: "q") == ["q|3", "q|6"])
    }

    @Test(arguments: [
        ("3,1", ":", "ascending"), ("0,0", ":", "ascending"), ("0,10", ":", "0 to 9"), ("", ":", "whole number"),
        ("0,x", ":", "whole number"), ("0,3", "", "printable"), ("0,3", "a b", "printable"), ("0,3", "\u{07}", "printable"),
        ("0,3", String(repeating: "s", count: 33), "printable"),
    ])
    func refused(steps: String, separator: String, problem: String) throws {
        do {
            _ = try PriorityLayout(steps: steps, separator: separator)
            Issue.record("accepted \(steps) / \(separator.debugDescription)")
        } catch {
            #expect(error.description.contains(problem), "\(error)")
        }
    }
}
