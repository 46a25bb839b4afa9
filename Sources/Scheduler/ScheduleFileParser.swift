import Broker
import Foundation
import Yams

/// Reads a schedule file's YAML into a ``Schedule``, collecting every problem as a ``ScheduleDiagnostic``.
struct ScheduleFileParser {
    let path: String
    let yaml: String
    let now: Date
    var diagnostics: [ScheduleDiagnostic] = []

    init(path: String, yaml: String, now: Date) {
        self.path = path
        self.yaml = yaml
        self.now = now
    }

    mutating func error(_ node: Node?, column: Int? = nil, _ message: String) {
        let mark = node?.mark
        diagnostics.append(
            ScheduleDiagnostic(path: path, line: mark?.line, column: column ?? mark?.column, message: message)
        )
    }

    mutating func run() -> Schedule? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            diagnostics.append(yamlDiagnostic(error))
            return nil
        }
        guard let root, let file = root.mapping else {
            error(root, "the schedule must be a mapping with `timezone:` (optional) and `entries:` (a list)")
            return nil
        }
        var zone = TimeZone(identifier: "UTC")!
        var entriesNode: Node?
        for (key, value) in file {
            guard let name = key.scalar?.string else {
                error(key, "a top-level key must be a plain name")
                continue
            }
            switch name {
            case "timezone":
                if let parsed = timeZone(value, context: "timezone") { zone = parsed }
            case "entries":
                entriesNode = value
            default:
                error(key, "unknown top-level key \"\(name)\"\(suggestion(name, ScheduleFile.fileKeys)); "
                    + "the file has `timezone:` and `entries:`; entry keys go under `entries:`")
            }
        }
        guard let entriesNode else {
            error(root, "the schedule has no `entries:` list")
            return nil
        }
        guard let list = entriesNode.sequence else {
            if entriesNode.scalar != nil, entriesNode.tag.rawValue == Tag.Name.null.rawValue {
                return Schedule(path: path, timeZone: zone, entries: [])
            }
            error(entriesNode, "`entries:` must be a list of entries, each starting with \"- name:\"")
            return nil
        }
        var entries: [ScheduleEntry] = []
        var firstLine: [String: Int] = [:]
        for (index, node) in list.enumerated() {
            if let nameNode = node.mapping?.first(where: { $0.key.scalar?.string == "name" })?.value,
                let name = nameNode.scalar?.string, !name.isEmpty
            {
                if let line = firstLine[name] {
                    error(nameNode, "entry \"\(name)\": duplicate name; the first entry with this name is on line "
                        + "\(line); names must be unique, since a slot is identified by (name, time)")
                    _ = parseEntry(node, index: index + 1, defaultZone: zone)  // still report its other problems
                    continue
                }
                firstLine[name] = node.mark?.line ?? 0
            }
            guard let entry = parseEntry(node, index: index + 1, defaultZone: zone) else { continue }
            entries.append(entry)
        }
        return Schedule(path: path, timeZone: zone, entries: entries)
    }

    // MARK: Entries

    mutating func parseEntry(_ node: Node, index: Int, defaultZone: TimeZone) -> ScheduleEntry? {
        guard let mapping = node.mapping else {
            error(node, "entry \(index): an entry must be a mapping with at least `name:`, `task:` and `cron:` or `every:`")
            return nil
        }
        var values: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error(key, "entry \(index): keys must be plain names")
                continue
            }
            values[name] = (key, value)
        }
        let nameNode = values["name"]?.value
        let name = nameNode?.scalar?.string
        let label = name.map { "entry \"\($0)\"" } ?? "entry \(index)"
        let errorsBefore = diagnostics.count
        for (key, value) in mapping {
            guard let keyName = key.scalar?.string, !ScheduleFile.entryKeys.contains(keyName) else { continue }
            _ = value
            error(key, "\(label): unknown key \"\(keyName)\"\(suggestion(keyName, ScheduleFile.entryKeys)); "
                + "entry keys are \(ScheduleFile.entryKeys.joined(separator: ", "))")
        }

        if let nameNode {
            if let name, !name.isEmpty, nameNode.scalar != nil {
                if name.contains(where: { $0.isWhitespace || $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) }) {
                    error(nameNode, "\(label): a name must not contain spaces or control characters")
                }
            } else {
                error(nameNode, "entry \(index): `name:` must be a non-empty string")
            }
        } else {
            error(node, "entry \(index): missing `name:`; every entry needs a unique name")
        }

        var task = ""
        if let taskNode = values["task"]?.value {
            if let text = taskNode.scalar?.string, !text.isEmpty, !text.contains(where: \.isWhitespace) {
                task = text
            } else {
                error(taskNode, "\(label): `task:` must be a Celery task name such as backups.postgres")
            }
        } else {
            error(node, "\(label): missing `task:`; give the Celery task name to send, e.g. `task: backups.postgres`")
        }

        var zone = defaultZone
        if let zoneNode = values["timezone"]?.value {
            zone = timeZone(zoneNode, context: "\(label): timezone") ?? defaultZone
        }

        var recurrence: Recurrence?
        switch (values["cron"], values["every"]) {
        case (nil, nil):
            error(node, "\(label): missing `cron:` or `every:`; say when it runs, e.g. `cron: \"0 2 * * *\"` or `every: 5m`")
        case (let cron?, let every?):
            let (first, second) = (cron.key.mark?.line ?? 0) <= (every.key.mark?.line ?? 0) ? (cron, every) : (every, cron)
            _ = first
            error(second.key, "\(label): has both `cron:` and `every:`; keep one")
        case (let cron?, nil):
            recurrence = cronRecurrence(cron.value, label: label)
        case (nil, let every?):
            if let interval = interval(every.value, context: "\(label): every") { recurrence = .every(interval) }
        }

        var args: [JSONValue] = []
        if let argsNode = values["args"]?.value {
            if argsNode.sequence != nil, let value = json(argsNode, label: label), case .array(let list) = value {
                args = list
            } else if argsNode.sequence == nil {
                error(argsNode, "\(label): `args:` must be a list, e.g. `args: [1, \"full\"]`")
            }
        }
        var kwargs: JSONObject = [:]
        if let kwargsNode = values["kwargs"]?.value {
            if kwargsNode.mapping != nil, let value = json(kwargsNode, label: label), case .object(let object) = value {
                kwargs = object
            } else if kwargsNode.mapping == nil {
                error(kwargsNode, "\(label): `kwargs:` must be a mapping, e.g. `kwargs: {keep: 7}`")
            }
        }

        var queue = "celery"
        if let queueNode = values["queue"]?.value {
            if let text = queueNode.scalar?.string, !text.isEmpty, !text.contains(where: \.isWhitespace) {
                queue = text
            } else {
                error(queueNode, "\(label): `queue:` must be a queue name without spaces")
            }
        }

        var priority = 0
        if let priorityNode = values["priority"]?.value {
            if isTagged(priorityNode, .int), let number = priorityNode.int, (0...9).contains(number) {
                priority = number
            } else {
                error(priorityNode, "\(label): `priority:` must be a whole number 0-9 (lower runs first), "
                    + "not \"\(priorityNode.scalar?.string ?? "a collection")\"")
            }
        }

        var expires: Interval?
        if let expiresNode = values["expires"]?.value {
            expires = interval(expiresNode, context: "\(label): expires")
        }

        var catchUp = CatchUpPolicy.once
        if let catchUpNode = values["catch_up"]?.value {
            if let text = catchUpNode.scalar?.string, let policy = CatchUpPolicy(rawValue: text) {
                catchUp = policy
            } else {
                error(catchUpNode, "\(label): `catch_up:` must be skip, once or all, "
                    + "not \"\(catchUpNode.scalar?.string ?? "a collection")\"")
            }
        }

        guard diagnostics.count == errorsBefore, let name, let recurrence else { return nil }
        let entry = ScheduleEntry(
            name: name, task: task, recurrence: recurrence, timeZone: zone, args: args, kwargs: kwargs, queue: queue,
            priority: priority, expires: expires, catchUp: catchUp, line: node.mark?.line
        )
        if entry.slots.nextSlot(after: now) == nil, let cron = values["cron"] {
            error(cron.value, "\(label): cron expression \"\(cron.value.scalar?.string ?? "")\" never runs: no date in "
                + "the next \(CronExpression.searchYears) years matches it (is the day valid for the month?)")
            return nil
        }
        return entry
    }

    mutating func cronRecurrence(_ node: Node, label: String) -> Recurrence? {
        guard let scalar = node.scalar, isTagged(node, .str) || scalar.style != .plain else {
            error(node, "\(label): `cron:` must be a string such as \"0 2 * * *\" (quote it)")
            return nil
        }
        do {
            return .cron(try CronExpression(scalar.string))
        } catch {
            var column: Int?
            if let mark = node.mark, scalar.style == .plain || scalar.style == .singleQuoted
                || scalar.style == .doubleQuoted, !scalar.string.contains("\n")
            {
                column = mark.column + (scalar.style == .plain ? 0 : 1) + error.offset
            }
            self.error(node, column: column, "\(label): \(error.message)")
            return nil
        }
    }

    mutating func interval(_ node: Node, context: String) -> Interval? {
        guard let scalar = node.scalar else {
            error(node, "\(context) must be a duration such as 30s, 5m, 1h or 1h30m")
            return nil
        }
        if isTagged(node, .int) {
            error(node, "\(context) \"\(scalar.string)\" needs a unit; write \(scalar.string)s, \(scalar.string)m or "
                + "\(scalar.string)h")
            return nil
        }
        do {
            return try Interval(parsing: scalar.string)
        } catch {
            self.error(node, "\(context) \(error.message)")
            return nil
        }
    }

    mutating func timeZone(_ node: Node, context: String) -> TimeZone? {
        guard let name = node.scalar?.string, !name.isEmpty else {
            error(node, "\(context) must be an IANA time zone name such as America/Argentina/Buenos_Aires or UTC")
            return nil
        }
        if let zone = TimeZone(identifier: name), !name.contains(" ") { return zone }
        let known = TimeZone.knownTimeZoneIdentifiers
        var hint = ""
        if let match = known.first(where: { $0.lowercased() == name.lowercased() }) {
            hint = "; did you mean \(match)?"
        } else if let match = known.first(where: { $0.lowercased().hasSuffix("/" + name.lowercased().replacingOccurrences(of: " ", with: "_")) }) {
            hint = "; did you mean \(match)?"
        }
        error(node, "\(context) \"\(name)\" is not a known IANA time zone\(hint) "
            + "(names look like Europe/Madrid; see /usr/share/zoneinfo)")
        return nil
    }

    // MARK: YAML helpers

    func isTagged(_ node: Node, _ name: Tag.Name) -> Bool { node.tag.rawValue == name.rawValue }

    /// Converts YAML to JSON, reporting values JSON cannot hold.
    mutating func json(_ node: Node, label: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if isTagged(node, .null) { return .null }
            if isTagged(node, .bool), let value = node.bool { return .bool(value) }
            if isTagged(node, .int), let value = node.int { return .int(value) }
            if isTagged(node, .float), let value = node.float {
                guard value.isFinite else {
                    error(node, "\(label): \(scalar.string) cannot be sent as JSON; quote it to send a string")
                    return nil
                }
                return .double(value)
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            for element in sequence {
                guard let value = json(element, label: label) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .mapping(let mapping):
            var members: [(String, JSONValue)] = []
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    error(key, "\(label): JSON object keys must be strings")
                    return nil
                }
                guard let converted = json(value, label: label) else { return nil }
                members.append((name, converted))
            }
            return .object(JSONObject(members))
        case .alias:
            error(node, "\(label): YAML aliases are not supported here")
            return nil
        }
    }

    func yamlDiagnostic(_ error: any Error) -> ScheduleDiagnostic {
        var mark: Mark?
        var problem = "\(error)"
        switch error as? YamlError {
        case .scanner(_, let text, let at, _), .parser(_, let text, let at, _), .composer(_, let text, let at, _):
            mark = at
            problem = text
        case .duplicatedKeysInMapping(let keys, let context):
            mark = context.mark
            problem = "duplicate key\(keys.count == 1 ? "" : "s") \(keys.map { "\"\($0)\"" }.joined(separator: ", ")) "
                + "in one mapping"
        case .reader(let text, _, _, _):
            problem = text
        default:
            break
        }
        var message = "not valid YAML: \(problem)"
        if let mark {
            let lineText = yaml.split(separator: "\n", omittingEmptySubsequences: false)
                .dropFirst(max(0, mark.line - 1)).first.map(String.init) ?? ""
            if lineText.contains("cron:") || lineText.contains("*") || lineText.contains("@") {
                message += "; quote cron expressions, e.g. cron: \"*/5 * * * *\" or cron: \"@daily\""
            }
        }
        return ScheduleDiagnostic(path: path, line: mark?.line, column: mark?.column, message: message)
    }

    /// `; did you mean "kwargs"?` when a known key is one or two edits away.
    func suggestion(_ word: String, _ candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return "" }
        return "; did you mean \"\(best.0)\"?"
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
