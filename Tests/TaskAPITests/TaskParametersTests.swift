import Broker
import TaskAPI
import Testing

/// Python's binding of a call's arguments to a task's parameters, and the arguments a Swift sender produces.
@Suite struct TaskParametersTests {
    struct Unlock: TaskParameters, Equatable {
        static let taskName = "purchases.apply_purchase_unlocks_async"
        static let parameters = ["user_id", "item_id"]
        static let queue = "purchases"
        var user_id: Int
        var item_id: Int
    }

    struct Batch: TaskParameters, Equatable {
        static let taskName = "invoices.process_batch"
        static let parameters = ["batch_id", "invoices", "callback_url"]
        var batch_id: String
        var invoices: [String]
        var callback_url: String?
    }

    func bind<P: TaskParameters>(_ type: P.Type, _ args: [JSONValue] = [], _ kwargs: JSONObject = [:]) throws -> P {
        try TaskArguments(args: args, kwargs: kwargs).bind(P.self)
    }

    func typeError<P: TaskParameters>(_ type: P.Type, _ args: [JSONValue] = [], _ kwargs: JSONObject = [:]) -> String? {
        do {
            _ = try bind(type, args, kwargs)
            return nil
        } catch let error as TaskError {
            return error.type == "TypeError" ? error.message : "not a TypeError: \(error)"
        } catch {
            return "not a TaskError: \(error)"
        }
    }

    @Test("positional, keyword and mixed arguments bind as in Python")
    func binding() throws {
        #expect(try bind(Unlock.self, [7, 9]) == Unlock(user_id: 7, item_id: 9))
        #expect(try bind(Unlock.self, [], ["user_id": 7, "item_id": 9]) == Unlock(user_id: 7, item_id: 9))
        #expect(try bind(Unlock.self, [], ["item_id": 9, "user_id": 7]) == Unlock(user_id: 7, item_id: 9))
        #expect(try bind(Unlock.self, [7], ["item_id": 9]) == Unlock(user_id: 7, item_id: 9))
        #expect(try bind(Batch.self, ["b-1", ["x"]]) == Batch(batch_id: "b-1", invoices: ["x"], callback_url: nil))
        #expect(
            try bind(Batch.self, ["b-1"], ["invoices": ["x"], "callback_url": "http://h/cb"])
                == Batch(batch_id: "b-1", invoices: ["x"], callback_url: "http://h/cb")
        )
        #expect(try bind(Batch.self, ["b-1", [], nil]) == Batch(batch_id: "b-1", invoices: [], callback_url: nil))
    }

    @Test("missing, extra, repeated, unknown and wrongly typed arguments are TypeErrors naming the parameter")
    func bindingErrors() {
        #expect(typeError(Unlock.self, [7]) == "purchases.apply_purchase_unlocks_async(): missing required argument 'item_id'")
        #expect(
            typeError(Unlock.self, [7, 9, 11])
                == "purchases.apply_purchase_unlocks_async() takes 2 positional arguments but 3 were given"
        )
        #expect(
            typeError(Unlock.self, [7], ["user_id": 8])
                == "purchases.apply_purchase_unlocks_async() got multiple values for argument 'user_id'"
        )
        #expect(
            typeError(Unlock.self, [7, 9], ["force": true])
                == "purchases.apply_purchase_unlocks_async() got an unexpected keyword argument 'force'"
        )
        let wrongType = typeError(Unlock.self, ["seven", 9]) ?? ""
        #expect(wrongType.contains("argument 'user_id' must be Int"), "\(wrongType)")
        let none = typeError(Unlock.self, [nil, 9]) ?? ""
        #expect(none.contains("argument 'user_id' must be Int, not None"), "\(none)")
        let nested = typeError(Batch.self, ["b", [1]]) ?? ""
        #expect(nested.contains("argument 'invoices[0]' must be String"), "\(nested)")
    }

    @Test("a Swift sender sends what Django's .delay() sends: leading parameters positionally, the rest as keywords")
    func encoding() throws {
        let unlock = try TaskArguments(Unlock(user_id: 7, item_id: 9))
        #expect(unlock.args == [7, 9])
        #expect(unlock.kwargs.members.isEmpty)
        let batch = try TaskArguments(Batch(batch_id: "b", invoices: ["x"], callback_url: nil))
        #expect(batch.args == ["b", ["x"]])
        #expect(batch.kwargs.members.isEmpty)
        let signature = try Signature(Unlock(user_id: 1, item_id: 2))
        #expect(signature.task == "purchases.apply_purchase_unlocks_async")
        #expect(signature.options.queue == "purchases")
        #expect(try TaskArguments(args: unlock.args, kwargs: unlock.kwargs).bind(Unlock.self) == Unlock(user_id: 7, item_id: 9))
    }

    @Test("a typed definition turns a binding error into a TypeError FAILURE and encodes the result")
    func typedDefinition() async throws {
        let definition = TaskDefinition(Unlock.self) { parameters, _ in [parameters.user_id, parameters.item_id] }
        #expect(definition.name == "purchases.apply_purchase_unlocks_async")
        #expect(definition.queue == "purchases")
        let context = TaskContext(name: definition.name)
        #expect(try await definition.handler(TaskArguments(args: [7, 9]), context) == [7, 9])
        await #expect(throws: TaskError.self) { try await definition.handler(TaskArguments(args: [7]), context) }
    }
}

extension TaskParametersTests {
    @Test("the client sends a TaskParameters value as the message Django's .delay() would produce")
    func clientMessage() throws {
        let signature = try Signature(Unlock(user_id: 7, item_id: 9), options: SendOptions(queue: "urgent"))
        let message = signature.message()
        #expect(message.task == "purchases.apply_purchase_unlocks_async")
        #expect(message.args == [7, 9])
        #expect(message.queue == "urgent")
    }
}
