import Broker

/// The header of a chord as Celery's Redis backend saves it when some header result is itself a group
/// (`apply_chord`: `celery-taskset-meta-<group id>` = `{"result": GroupResult.as_tuple()}`), so the body receives
/// the results in the header's shape — a list inside the list for that member — as Celery's `GroupResult.restore`
/// + `join` gives them, instead of one flat list.
///
/// A result tuple is `[[id, parent], children]`: `children` is `null` for a task's result and the members' tuples
/// for a group's.
enum SavedChordHeader {
    /// The header results shaped as the saved header (`saved`, the `celery-taskset-meta-<group id>` document) says, taking each task's result from `resultsByID`
    /// (the chord join's entries); `nil` when no header is saved (a flat header: the join's order is the shape) or
    /// the saved header names a task the join has no result for.
    static func shapedResults(saved: String?, resultsByID: [String: JSONValue]) -> [JSONValue]? {
        guard let saved, let document = try? JSONValue.parse(saved), let tuple = document["result"],
            let members = tuple.arrayValue, members.count == 2, let children = members[1].arrayValue
        else { return nil }
        var shaped: [JSONValue] = []
        for child in children {
            guard let value = shape(child, resultsByID) else { return nil }
            shaped.append(value)
        }
        return shaped
    }

    private static func shape(_ tuple: JSONValue, _ resultsByID: [String: JSONValue]) -> JSONValue? {
        guard let parts = tuple.arrayValue, parts.count == 2, let id = parts[0].arrayValue?.first?.stringValue else {
            return nil
        }
        guard let children = parts[1].arrayValue else { return resultsByID[id] }
        var values: [JSONValue] = []
        for child in children {
            guard let value = shape(child, resultsByID) else { return nil }
            values.append(value)
        }
        return .array(values)
    }
}
