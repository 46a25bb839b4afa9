import Broker

/// A group as the last step of a chain (`add.s(1, 1) | group(add.s(1), add.s(2))`): Celery embeds it as a
/// `celery.group` signature whose `kwargs.tasks` are the members, and the worker that finishes the step before it
/// sends each member with that step's result prepended, as `group.apply_async(args=(result,))` does. Inside a chord
/// header the members already carry the chord's group id, index and body, and join that chord.
enum ChainGroupStep {
    /// The member messages of `step` when it is a group signature; `nil` for any other step.
    static func messages(_ step: JSONValue, parentResult: JSONValue, parentID: String, rootID: String) -> [TaskMessage]? {
        guard step["subtask_type"]?.stringValue == "group" || step["task"]?.stringValue == "celery.group" else { return nil }
        let groupID = step["options"]?["task_id"]?.stringValue ?? RandomID.derived(from: [parentID, "chain-group"])
        let members = (step["kwargs"]?["tasks"]?.arrayValue ?? []).compactMap(Signature.init(json:))
        return members.enumerated().map { index, signature in
            var member = signature
            if member.options.group == nil { member.options.group = groupID }
            if member.options.groupIndex == nil { member.options.groupIndex = index }
            if member.options.taskID == nil {
                member.options.taskID = RandomID.derived(from: [parentID, groupID, String(index)])
            }
            return member.message(parentResult: parentResult, parentID: parentID, rootID: rootID)
        }
    }
}
