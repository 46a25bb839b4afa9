import Broker
import Foundation
import Testing

/// Issue 22, part 1: every field a worker acts on is validated once, at decode; the accessors never trap.
@Suite struct MessageValidationTests {
    /// A message as Celery 5.7 would send it, with `headers` changed by `change`, encoded and decoded again.
    func decode(_ change: (inout JSONObject) -> Void, properties: (inout JSONObject) -> Void = { _ in }) throws(MalformedMessageError) -> TaskMessage {
        var message = TaskMessage.make(task: "demo.add", args: [1, 2])
        change(&message.headers)
        properties(&message.properties)
        return try TaskMessage.decode(message.encoded())
    }

    func rejection(_ change: (inout JSONObject) -> Void, properties: (inout JSONObject) -> Void = { _ in }) -> MalformedMessageError? {
        do {
            _ = try decode(change, properties: properties)
            return nil
        } catch {
            return error
        }
    }

    @Test("the four messages of the issue are rejected at decode, each naming its field")
    func theIssuesFourMessages() throws {
        let forged = try #require(rejection { $0["id"] = "x1\nstart\tv\tn\tnan\t0\tq" })
        #expect(forged.description == "headers.id contains a control character")
        #expect(forged.taskID == nil, "an id that is not acceptable must not be used, not even for a result key")
        #expect(forged.taskName == "demo.add")

        let hard = try #require(rejection { $0["timelimit"] = [1e16, nil] })
        #expect(hard.description.hasPrefix("headers.timelimit hard limit 1"), "\(hard)")
        #expect(hard.description.hasSuffix("is not a number of seconds in (0, 10000000]"), "\(hard)")
        #expect(hard.taskID != nil)
        let soft = try #require(rejection { $0["timelimit"] = [nil, 1e12] })
        #expect(soft.description.hasPrefix("headers.timelimit soft limit"), "\(soft)")
        // float("inf") is sent by Python's json as the literal Infinity.
        var infinite = TaskMessage.make(task: "demo.add", args: [1, 2])
        infinite.headers["timelimit"] = [nil, nil]
        let text = infinite.encoded().replacingOccurrences(of: "\"timelimit\": [null, null]", with: "\"timelimit\": [Infinity, null]")
        #expect(text.contains("Infinity"))
        #expect(throws: MalformedMessageError.self) { try TaskMessage.decode(text) }
        let nan = text.replacingOccurrences(of: "Infinity", with: "NaN")
        #expect(throws: MalformedMessageError.self) { try TaskMessage.decode(nan) }
    }

    @Test("accepted time limits: null, 0 (Celery's not set), and (0, 1e7] seconds, int or float")
    func acceptedTimeLimits() throws {
        for pair: JSONValue in [[nil, nil], [0, 0], [1, 0.5], [10_000_000, 9_999_999.5], nil, [30]] {
            let message = try decode { $0["timelimit"] = pair }
            if case .array(let members) = pair, let hard = members.first?.doubleValue, hard > 0 {
                #expect(message.timeLimit.hard == Duration(checkedSeconds: hard))
            }
        }
        for pair: JSONValue in [[-1, nil], [nil, -0.5], [10_000_001, nil], [1e308, nil], ["5", nil], [true, nil], [1, 2, 3], "5"] {
            #expect(rejection { $0["timelimit"] = pair } != nil, "\(pair.serialized) was accepted")
        }
    }

    @Test("the timeLimit accessor never traps on a message built in code, whatever it holds")
    func timeLimitAccessorIsChecked() {
        var message = TaskMessage.make(task: "demo.add")
        for value in [Double.nan, .infinity, -.infinity, 1e300, 1e16, -5, 9.3e9] {
            message.headers["timelimit"] = [.double(value), .double(value)]
            #expect(message.timeLimit.hard == nil, "\(value)")
            #expect(message.timeLimit.soft == nil, "\(value)")
        }
    }

    @Test("ids: printable, no control characters, at most 255 bytes — task, root, parent and group")
    func ids() throws {
        for field in ["id", "root_id", "parent_id", "group"] {
            #expect(rejection { $0[field] = .string(String(repeating: "a", count: 10_000)) }?.description
                == "headers.\(field) is 10000 bytes long; at most 255 are accepted")
            #expect(rejection { $0[field] = "a\tb" }?.description == "headers.\(field) contains a control character")
            #expect(rejection { $0[field] = "a\u{7F}" } != nil)
            #expect(rejection { $0[field] = "a\u{85}" } != nil)
            #expect(rejection { $0[field] = 5 }?.description == (field == "id" ? "headers.id is missing" : "headers.\(field) is a number, not a string"))
            #expect(rejection { $0[field] = "" }?.description == "headers.\(field) is empty")
        }
        _ = try decode { $0["id"] = .string(String(repeating: "é", count: 127)) }  // 254 bytes
        _ = try decode { $0["group"] = nil; $0["parent_id"] = nil }
        _ = try decode { $0["id"] = "order-42 user@example.com/日本" }
    }

    @Test("eta and expires: an ISO-8601 time within 100 years of now")
    func dates() throws {
        for field in ["eta", "expires"] {
            #expect(rejection { $0[field] = "9999-12-31T23:59:59+00:00" }?.description.contains("more than 100 years from now") == true)
            #expect(rejection { $0[field] = "1900-01-01T00:00:00+00:00" }?.description.contains("more than 100 years from now") == true)
            #expect(rejection { $0[field] = "tomorrow" }?.description.contains("is not an ISO-8601 time") == true)
            #expect(rejection { $0[field] = 1e300 }?.description == "headers.\(field) is a number, not a time")
            _ = try decode { $0[field] = .string(CeleryTime.format(Date().addingTimeInterval(86400 * 365 * 50))) }
        }
    }

    @Test("retries: a non-negative 32-bit integer")
    func retries() throws {
        #expect(rejection { $0["retries"] = -1 } != nil)
        #expect(rejection { $0["retries"] = .int(1 << 40) } != nil)
        #expect(rejection { $0["retries"] = 1.5 } != nil)
        #expect(rejection { $0["retries"] = "3" } != nil)
        #expect(try decode { $0["retries"] = .int(Int(Int32.max)) }.retries == Int(Int32.max))
        #expect(try decode { $0["retries"] = nil }.retries == 0)
    }

    @Test("a routing key naming one of Celerity's or kombu's own keys is rejected; priority is clamped as kombu does")
    func routingKeys() throws {
        for key in ["celerity:eta", "celerity:dlq:entries", "celery-task-meta-x", "_kombu.binding.celery", "unacked"] {
            let error = rejection({ _ in }, properties: { $0["delivery_info"] = ["exchange": "", "routing_key": .string(key)] })
            #expect(error?.description.hasPrefix("properties.delivery_info.routing_key names a Redis key that is not a queue") == true, "\(key)")
        }
        let long = String(repeating: "q", count: 300)
        #expect(rejection({ _ in }, properties: { $0["delivery_info"] = ["routing_key": .string(long)] }) != nil)
        for (priority, list) in [(JSONValue.int(-5), "celery"), (.int(99), "celery\u{06}\u{16}9"), (.double(1e308), "celery\u{06}\u{16}9")] {
            #expect(try decode({ _ in }, properties: { $0["priority"] = priority }).listKey == list)
        }
    }

    @Test("an envelope over the size cap is refused before it is parsed; the excerpt keeps the headers only")
    func sizeCap() throws {
        let big = TaskMessage.make(task: "demo.echo", kwargs: ["blob": .string(String(repeating: "x", count: 100_000))])
        let raw = big.encoded()
        let error = #expect(throws: MalformedMessageError.self) { try TaskMessage.decode(raw, maxBytes: 65_536) }
        #expect(error?.defect == .tooLarge(bytes: raw.utf8.count, limit: 65_536))
        _ = try TaskMessage.decode(raw, maxBytes: raw.utf8.count)
        let excerpt = MessageLimits.excerpt(of: raw)
        #expect(excerpt.hasPrefix("\"headers\""))
        #expect(excerpt.utf8.count <= MessageLimits.excerptBytes + 3)
        #expect(excerpt.contains(big.id))
    }

    @Test("argsrepr and kwargsrepr are cut to 1,024 characters, as Celery does")
    func reprTruncated() {
        let message = TaskMessage.make(task: "demo.echo", args: [.string(String(repeating: "x", count: 5000))], kwargs: ["k": .string(String(repeating: "y", count: 5000))])
        #expect(message.headers["argsrepr"]?.stringValue?.count == 1024)
        #expect(message.headers["kwargsrepr"]?.stringValue?.count == 1024)
        #expect(message.headers["argsrepr"]?.stringValue?.hasSuffix("...") == true)
        #expect(TaskMessage.make(task: "demo.add", args: [1, 2]).headers["argsrepr"] == "[1, 2]")
    }
}

/// Issue 22: every conversion of an outside number to a `Duration` or an integer is checked. One test per site.
@Suite struct CheckedConversionTests {
    @Test("Duration(checkedSeconds:): nil for NaN, ±∞, negative, and past 10⁷ s; exact inside")
    func checkedSeconds() {
        for value in [Double.nan, .infinity, -.infinity, -1, 10_000_000.5, 1e16, 1e308, -1e308] {
            #expect(Duration(checkedSeconds: value) == nil, "\(value)")
        }
        #expect(Duration(checkedSeconds: 0) == .zero)
        #expect(Duration(checkedSeconds: 1.5) == .milliseconds(1500))
        #expect(Duration(checkedSeconds: 10_000_000) == .seconds(10_000_000))
        #expect(Duration(checkedSeconds: -3, in: -5...5) == .seconds(-3))
        #expect(Duration(checkedSeconds: 1e12, in: 0...1e300) == nil, "beyond 9e9 s a nanosecond count no longer fits")
    }

    @Test("clampedNanoseconds (soft-limit timer, held-batch wait): saturates instead of trapping")
    func clampedNanoseconds() {
        #expect(Duration.seconds(2).clampedNanoseconds == 2_000_000_000)
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == Int.max)
        #expect(Duration.seconds(Int64.min).clampedNanoseconds == Int.min)
        #expect(Duration.milliseconds(-5).clampedNanoseconds == -5_000_000)
    }
}

extension CheckedConversionTests {
    @Test("CeleryTime.format (results, status, events): a date read from Redis beyond ±9e12 s, NaN or ±∞ is clamped, never trapped on")
    func celeryTimeFormatClamps() {
        let latest = CeleryTime.format(Date(timeIntervalSince1970: 9e12))
        #expect(CeleryTime.format(Date(timeIntervalSince1970: 1e300)) == latest)
        #expect(CeleryTime.format(Date(timeIntervalSince1970: .infinity)) == latest)
        #expect(CeleryTime.format(Date(timeIntervalSince1970: -1e300)) == CeleryTime.format(Date(timeIntervalSince1970: -9e12)))
        #expect(CeleryTime.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00.000000+00:00")
        #expect(CeleryTime.format(Date(timeIntervalSince1970: 0.5)) == "1970-01-01T00:00:00.500000+00:00")
    }
}
