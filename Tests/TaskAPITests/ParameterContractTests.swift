import Broker
import Foundation
import TaskAPI
import Testing

/// A property the signature forgot: Swift would never send `note`, and Python would raise a TypeError.
private struct Forgotten: TaskParameters {
    static let taskName = "contract.forgotten"
    static let parameters = ["user_id"]
    var user_id: Int
    var note: String?
}

/// A parameter with no property behind it.
private struct Phantom: TaskParameters {
    static let taskName = "contract.phantom"
    static let parameters = ["user_id", "item_id"]
    var user_id: Int
}

private enum Plan: String, Codable, Sendable, CaseIterable { case basic, pro }

private struct Address: Codable, Sendable {
    var city: String
    var zip: Int
}

/// Every kind of property a contract holds: mapped coding keys, optionals, nested values, enums, JSON, dates.
private struct Rich: TaskParameters {
    static let taskName = "contract.rich"
    static let parameters = ["user_id", "plan", "address", "tags", "extra", "sent_at", "note"]
    var userID: Int
    var plan: Plan
    var address: Address
    var tags: [String]
    var extra: JSONValue
    var sentAt: Date
    var note: String?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", plan, address, tags, extra, sentAt = "sent_at", note
    }
}

/// A `URL` refuses the probe's neutral `""`, so the probe stops there; `note`, read before it, is still checked.
private struct StopsEarly: TaskParameters {
    static let taskName = "contract.stops_early"
    static let parameters = ["callback"]
    var note: String
    var callback: URL
}

@Suite struct ParameterContractTests {
    @Test("a stored property missing from `parameters` is an error naming the type, the property and the definition")
    func propertyMissingFromParameters() throws {
        let definition = TaskDefinition(Forgotten.self) { _, _ in 1 }
        #expect(throws: TaskRegistryError.self) { try TaskRegistry([definition]) }
        do {
            _ = try TaskRegistry([definition])
        } catch {
            let text = "\(error)"
            #expect(text.contains("TaskAPITests.Forgotten"))
            #expect(text.contains("Forgotten"))
            #expect(text.contains("'note'"))
            #expect(text.contains(definition.location))
            #expect(definition.location.contains("ParameterContractTests.swift:"))
        }
    }

    @Test("a name in `parameters` with no property is an error naming the type and the name")
    func parameterWithoutProperty() throws {
        let definition = TaskDefinition(Phantom.self) { _, _ in 1 }
        var registry = try TaskRegistry()
        #expect(throws: TaskRegistryError.self) { try registry.register(definition) }
        do {
            try registry.register(definition)
        } catch {
            #expect("\(error)".contains("Phantom"))
            #expect("\(error)".contains("'item_id'"))
            #expect("\(error)".contains(definition.location))
        }
        #expect(registry.names.isEmpty)
    }

    @Test("a contract whose coding keys and `parameters` agree registers, whatever its property types")
    func agreeingContracts() throws {
        let registry = try TaskRegistry([
            TaskDefinition(Rich.self) { _, _ in 1 },
            TaskDefinition("raw.task") { _, _ in 1 },
        ])
        #expect(registry.names == ["contract.rich", "raw.task"])
    }

    @Test("a property read before one that refuses the probe's neutral value is still checked")
    func probeStopsEarly() throws {
        #expect(throws: TaskRegistryError.self) { try TaskRegistry([TaskDefinition(StopsEarly.self) { _, _ in 1 }]) }
    }
}
