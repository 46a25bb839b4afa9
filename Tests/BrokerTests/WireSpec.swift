/// Exact bytes copied from the wire spec (`celery-redis-wire.md`, observed with Celery 5.7.0 and kombu 5.7.0).
enum WireSpec {
    /// §3.1: `add.apply_async((2, 3))` as the client LPUSHed it onto `celery`.
    static let envelope = ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen9847@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "reply_to": "ff528cc7-30ea-3603-93ee-f3c1be987a38", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "71bd9770-494f-4c70-bfb9-49f9ca12a428"}}"##

    /// §3.1: the envelope's base64 `body`, decoded.
    static let body = ##"[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]"##

    /// §3.7: the minimal envelope a real worker executes: raw JSON body, no `body_encoding`, four headers.
    /// The spec writes `<uuid>` for the id and the delivery tag; they are kept as they are.
    static let minimalEnvelope = #"""
        {"body": "[[2, 3], {}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]",
         "content-encoding": "utf-8", "content-type": "application/json",
         "headers": {"lang": "py", "task": "compat.add", "id": "<uuid>", "eta": null},
         "properties": {"delivery_tag": "<uuid>", "delivery_info": {"exchange": "", "routing_key": "celery"}}}
        """#

    /// §5.3: the `unacked` hash value a worker wrote for a message it popped: `[envelope, exchange, routing_key]`.
    static let unackedEntry = ##"[{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen9922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "reply_to": "586971b0-e473-3dad-af73-192b408c3f73", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "96c56895-e616-41b5-ab0a-b00f650edaf0"}}, "", "celery"]"##

    /// §6.3: SUCCESS with default settings.
    static let success = ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T19:58:54.369222+00:00", "task_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd"}"##

    /// §6.3: SUCCESS with `result_extended=True`.
    static let successExtended = ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:03.859558+00:00", "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00"}"##

    /// §6.4: FAILURE.
    static let failure = ##"{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \".../celery/app/trace.py\", line 564, in trace_task\n ...\nValueError: boom\n", "children": [], "date_done": "2026-11-22T20:02:04.474342+00:00", "task_id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded"}"##

    /// §6.4: STARTED as the spec prints it, with its extended fields elided as `...extended fields...`.
    static let startedAbbreviated = ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, ...extended fields..., "task_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994"}"##

    /// §6.4: RETRY.
    static let retry = ##"{"status": "RETRY", "result": {"exc_type": "RuntimeError", "exc_message": ["try again"], "exc_module": "builtins"}, "traceback": "Traceback ... celery.exceptions.Retry: Retry in 2s: RuntimeError('try again')\n", "children": [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", null], null]], "date_done": null, "task_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24"}"##

    /// §6.4: REVOKED (written when the revoke broadcast arrived, hence `"children": null`).
    static let revoked = ##"{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["revoked"], "exc_module": "celery.exceptions"}, "traceback": null, "children": null, "date_done": "2026-11-22T20:02:11.041900+00:00", "task_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6"}"##
}
