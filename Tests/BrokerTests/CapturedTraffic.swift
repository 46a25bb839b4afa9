// Extracted from the raw `redis-cli MONITOR` captures behind the wire spec (`captures/*.monitor.txt` beside
// celery-redis-wire.md; Celery 5.7.0 with kombu 5.7.0, and Celery 5.5.3 with kombu 5.5.4 in capture 12): every task
// envelope a Python client or worker LPUSHed or RPUSHed (pidbox replies left out), and every result document SET or
// SETEXed on a celery-task-meta key (by workers; capture 11's by hand, without microseconds), byte for byte after
// undoing redis-cli's escaping. Data, not code: do not edit by hand.

import Testing

/// One task envelope as Celery pushed it onto a Redis list.
struct CapturedPush: Sendable, CustomTestStringConvertible {
    /// The capture file it comes from, e.g. `02_send_options_countdown_eta_expires_priority_queue`.
    var capture: String
    /// `LPUSH` (a send) or `RPUSH` (a restore of an unacked message).
    var command: String
    /// The list key, with kombu's `\x06\x16` priority separator as real bytes.
    var key: String
    /// The envelope's exact bytes.
    var envelope: String

    var testDescription: String { "\(capture) \(command) \(key.debugDescription) #\(envelope.count)" }
}

/// One result document as stored in `celery-task-meta-<id>`.
struct CapturedResult: Sendable, CustomTestStringConvertible {
    var capture: String
    /// The task id from the key.
    var taskID: String
    /// The document's exact bytes.
    var document: String

    var testDescription: String { "\(capture) \(taskID)" }
}

enum CapturedTraffic {
    static let pushes: [CapturedPush] = [
        CapturedPush(
            capture: "01_send_apply_async_and_send_task", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen9847@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "reply_to": "ff528cc7-30ea-3603-93ee-f3c1be987a38", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "71bd9770-494f-4c70-bfb9-49f9ca12a428"}}"##
        ),
        CapturedPush(
            capture: "01_send_apply_async_and_send_task", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "403e6cf5-2e7e-4ef4-b10b-5b985db6bcdb", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "403e6cf5-2e7e-4ef4-b10b-5b985db6bcdb", "parent_id": null, "argsrepr": "[2, 3]", "kwargsrepr": "{}", "origin": "gen9847@vm", "ignore_result": null, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "403e6cf5-2e7e-4ef4-b10b-5b985db6bcdb", "reply_to": "ff528cc7-30ea-3603-93ee-f3c1be987a38", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "3966296f-a149-48b1-8613-85424fe68f1a"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "71f4d968-9625-4d2c-991d-a0ded8f30010", "shadow": null, "eta": "2026-11-22T19:58:45.868166+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "71f4d968-9625-4d2c-991d-a0ded8f30010", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "71f4d968-9625-4d2c-991d-a0ded8f30010", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "ba04f2b1-769b-486a-a353-973930c5e7aa"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "b7ae6d88-b9e8-4127-81db-826de3faa2b1", "shadow": null, "eta": "2026-11-22T19:59:05.880228+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "b7ae6d88-b9e8-4127-81db-826de3faa2b1", "parent_id": null, "argsrepr": "(1, 2)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "b7ae6d88-b9e8-4127-81db-826de3faa2b1", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "37574c46-c675-4b18-ba27-47e4d50421b6"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "73af5210-ba0f-46f6-84f2-a6c38123ee81", "shadow": null, "eta": null, "expires": "2026-11-22T19:59:35.881215+00:00", "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "73af5210-ba0f-46f6-84f2-a6c38123ee81", "parent_id": null, "argsrepr": "(1, 3)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "73af5210-ba0f-46f6-84f2-a6c38123ee81", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "expiration": "60000", "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "c0bdb61d-33a7-47a4-b61e-4c698eb25300"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery\u{06}\u{16}3",
            envelope: ##"{"body": "W1sxLCA0XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "8c9ad50e-3a43-4863-b933-d631b4c48521", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "8c9ad50e-3a43-4863-b933-d631b4c48521", "parent_id": null, "argsrepr": "(1, 4)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "8c9ad50e-3a43-4863-b933-d631b4c48521", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 5, "body_encoding": "base64", "delivery_tag": "df954a80-0380-4553-94ff-e3fc7437152e"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery\u{06}\u{16}9",
            envelope: ##"{"body": "W1sxLCA1XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "8f147195-780e-495f-9098-3137e7997c64", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "8f147195-780e-495f-9098-3137e7997c64", "parent_id": null, "argsrepr": "(1, 5)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "8f147195-780e-495f-9098-3137e7997c64", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 9, "body_encoding": "base64", "delivery_tag": "0d7ad57a-f01c-4572-865f-568d47d4e442"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCA2XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "e11cc38e-f30e-4dbc-b0e5-d3a66d047779", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "e11cc38e-f30e-4dbc-b0e5-d3a66d047779", "parent_id": null, "argsrepr": "(1, 6)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "e11cc38e-f30e-4dbc-b0e5-d3a66d047779", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 2, "body_encoding": "base64", "delivery_tag": "29f9c866-ed7b-46b9-b140-5687d4a5365d"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "backups",
            envelope: ##"{"body": "W1sxLCA3XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "9f01a071-3dff-4d19-a022-489dcf0343f8", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "9f01a071-3dff-4d19-a022-489dcf0343f8", "parent_id": null, "argsrepr": "(1, 7)", "kwargsrepr": "{}", "origin": "gen9872@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "9f01a071-3dff-4d19-a022-489dcf0343f8", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "backups"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "ab372b04-7a11-4b9a-a496-c3ce72170012"}}"##
        ),
        CapturedPush(
            capture: "02_send_options_countdown_eta_expires_priority_queue", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7IngiOiAxLCAieSI6IDh9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "43ef154c-6958-4924-8523-9cf7d217e7ae", "shadow": "my-shadow-name", "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [30, 20], "root_id": "43ef154c-6958-4924-8523-9cf7d217e7ae", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{'x': 1, 'y': 8}", "origin": "gen9872@vm", "ignore_result": null, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "43ef154c-6958-4924-8523-9cf7d217e7ae", "reply_to": "a578dd20-53b9-319d-8ac9-d90173a4040f", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "d20fd56c-6073-454d-85d9-40a150bc91f6"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery\u{06}\u{16}9",
            envelope: ##"{"body": "W1siYSIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "2dcb16c4-37c7-40bc-a428-8e09afe419ba", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "2dcb16c4-37c7-40bc-a428-8e09afe419ba", "parent_id": null, "argsrepr": "('a', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "2dcb16c4-37c7-40bc-a428-8e09afe419ba", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 9, "body_encoding": "base64", "delivery_tag": "f8f9262e-1413-482d-bbf0-eb631d796083"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery\u{06}\u{16}3",
            envelope: ##"{"body": "W1siYiIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "91d341f9-6944-4548-825f-c0786f32aecb", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "91d341f9-6944-4548-825f-c0786f32aecb", "parent_id": null, "argsrepr": "('b', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "91d341f9-6944-4548-825f-c0786f32aecb", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 5, "body_encoding": "base64", "delivery_tag": "cd132e56-0842-4e6e-8903-83112bc109e1"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1siYyIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "96446ae2-f4ca-48cc-8a32-8f79229a5cf2", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "96446ae2-f4ca-48cc-8a32-8f79229a5cf2", "parent_id": null, "argsrepr": "('c', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "96446ae2-f4ca-48cc-8a32-8f79229a5cf2", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "df64feb9-e70a-43d7-9fa5-f596d0852788"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1siZCIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "467f95ca-6503-45cb-a819-c615a90bb55c", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "467f95ca-6503-45cb-a819-c615a90bb55c", "parent_id": null, "argsrepr": "('d', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "467f95ca-6503-45cb-a819-c615a90bb55c", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "1fca80ef-1293-49f7-b126-23dff8f3690b"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery\u{06}\u{16}9",
            envelope: ##"{"body": "W1siZSIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "9c64fde8-63f1-426c-9d48-a9c2244bbacc", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "9c64fde8-63f1-426c-9d48-a9c2244bbacc", "parent_id": null, "argsrepr": "('e', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "9c64fde8-63f1-426c-9d48-a9c2244bbacc", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 9, "body_encoding": "base64", "delivery_tag": "d8fe1ee1-b60d-47c6-ae86-4eba71557db3"}}"##
        ),
        CapturedPush(
            capture: "03_priority_buckets_and_consumption_order", command: "LPUSH", key: "celery\u{06}\u{16}3",
            envelope: ##"{"body": "W1siZiIsICIiXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "59b5bb7e-0b0a-480b-a712-409de00857ef", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "59b5bb7e-0b0a-480b-a712-409de00857ef", "parent_id": null, "argsrepr": "('f', '')", "kwargsrepr": "{}", "origin": "gen10655@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "59b5bb7e-0b0a-480b-a712-409de00857ef", "reply_to": "fa6cda9b-158e-3db7-88b9-271f13b62c4c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 3, "body_encoding": "base64", "delivery_tag": "77540009-1802-4403-a116-6e2690799ad7"}}"##
        ),
        CapturedPush(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen9922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd", "reply_to": "586971b0-e473-3dad-af73-192b408c3f73", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "96c56895-e616-41b5-ab0a-b00f650edaf0"}}"##
        ),
        CapturedPush(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1s0XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "0ecc846a-bf0c-46fc-8712-fcac6ef6db74", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "0ecc846a-bf0c-46fc-8712-fcac6ef6db74", "parent_id": null, "argsrepr": "(4,)", "kwargsrepr": "{}", "origin": "gen9922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "0ecc846a-bf0c-46fc-8712-fcac6ef6db74", "reply_to": "586971b0-e473-3dad-af73-192b408c3f73", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "44e6e546-4a33-4441-b98e-4ee29f76e86a"}}"##
        ),
        CapturedPush(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1s1LCA1XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "6bb9bba1-4216-4798-96cc-f07b69731382", "shadow": null, "eta": "2026-11-22T20:03:58.376009+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "6bb9bba1-4216-4798-96cc-f07b69731382", "parent_id": null, "argsrepr": "(5, 5)", "kwargsrepr": "{}", "origin": "gen9922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "6bb9bba1-4216-4798-96cc-f07b69731382", "reply_to": "586971b0-e473-3dad-af73-192b408c3f73", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "2c03a025-248f-48d4-9b0a-ee12c1e07ac8"}}"##
        ),
        CapturedPush(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1s1LCA1XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "6bb9bba1-4216-4798-96cc-f07b69731382", "shadow": null, "eta": "2026-11-22T20:03:58.376009+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "6bb9bba1-4216-4798-96cc-f07b69731382", "parent_id": null, "argsrepr": "(5, 5)", "kwargsrepr": "{}", "origin": "gen9922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "6bb9bba1-4216-4798-96cc-f07b69731382", "reply_to": "586971b0-e473-3dad-af73-192b408c3f73", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "2c03a025-248f-48d4-9b0a-ee12c1e07ac8"}}"##
        ),
        CapturedPush(
            capture: "05_worker_prefork_consume_ack", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1szXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "c5c10881-543a-47b9-95ff-c45fae24f64f", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c5c10881-543a-47b9-95ff-c45fae24f64f", "parent_id": null, "argsrepr": "(3,)", "kwargsrepr": "{}", "origin": "gen10068@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c5c10881-543a-47b9-95ff-c45fae24f64f", "reply_to": "0591ee00-a777-3f6a-9707-451f42df7064", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "8e1424f1-14d6-4904-9b51-0e813414fccc"}}"##
        ),
        CapturedPush(
            capture: "05_worker_prefork_consume_ack", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1swLCAwXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "0edc838c-586b-4323-bca8-7da6e3a8ce5d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "0edc838c-586b-4323-bca8-7da6e3a8ce5d", "parent_id": null, "argsrepr": "(0, 0)", "kwargsrepr": "{}", "origin": "gen10068@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "0edc838c-586b-4323-bca8-7da6e3a8ce5d", "reply_to": "0591ee00-a777-3f6a-9707-451f42df7064", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "93184dea-d3a3-4aa2-b169-5015360f3aab"}}"##
        ),
        CapturedPush(
            capture: "05_worker_prefork_consume_ack", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "02e35dfd-52db-46b7-b65f-9e1e65350894", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "02e35dfd-52db-46b7-b65f-9e1e65350894", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen10068@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "02e35dfd-52db-46b7-b65f-9e1e65350894", "reply_to": "0591ee00-a777-3f6a-9707-451f42df7064", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "a88fa754-1391-4269-8ceb-9c9f9e29c8a1"}}"##
        ),
        CapturedPush(
            capture: "05_worker_prefork_consume_ack", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "1593af95-37c0-43a4-a0c5-df5ddeda4a5c", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "1593af95-37c0-43a4-a0c5-df5ddeda4a5c", "parent_id": null, "argsrepr": "(2, 2)", "kwargsrepr": "{}", "origin": "gen10068@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "1593af95-37c0-43a4-a0c5-df5ddeda4a5c", "reply_to": "0591ee00-a777-3f6a-9707-451f42df7064", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "24f3f08d-8045-483c-b14e-752f1fa25f9a"}}"##
        ),
        CapturedPush(
            capture: "05_worker_prefork_consume_ack", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1szLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "44da75fc-63e9-4dcf-acf9-fff07bd3177d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "44da75fc-63e9-4dcf-acf9-fff07bd3177d", "parent_id": null, "argsrepr": "(3, 3)", "kwargsrepr": "{}", "origin": "gen10068@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "44da75fc-63e9-4dcf-acf9-fff07bd3177d", "reply_to": "0591ee00-a777-3f6a-9707-451f42df7064", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "76d9a1c8-0852-433d-9c3e-2c72dbe484f0"}}"##
        ),
        CapturedPush(
            capture: "06_acks_late_kill9_visibility_timeout_restore", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "5945cf42-0565-4ea8-b02d-5d1723d4a8b8", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "5945cf42-0565-4ea8-b02d-5d1723d4a8b8", "parent_id": null, "argsrepr": "(2,)", "kwargsrepr": "{}", "origin": "gen10109@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "5945cf42-0565-4ea8-b02d-5d1723d4a8b8", "reply_to": "d7fc735a-b4be-3b0f-9356-5498aaf8bf76", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "f05c3893-835e-4f62-96a0-a2fafe252311"}}"##
        ),
        CapturedPush(
            capture: "06_acks_late_kill9_visibility_timeout_restore", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1szMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "parent_id": null, "argsrepr": "(30,)", "kwargsrepr": "{}", "origin": "gen10109@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "reply_to": "d7fc735a-b4be-3b0f-9356-5498aaf8bf76", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6eafc8cd-3b8d-44f4-80ce-e8459095d126"}}"##
        ),
        CapturedPush(
            capture: "06_acks_late_kill9_visibility_timeout_restore", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1szMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "parent_id": null, "argsrepr": "(30,)", "kwargsrepr": "{}", "origin": "gen10109@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "reply_to": "d7fc735a-b4be-3b0f-9356-5498aaf8bf76", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6eafc8cd-3b8d-44f4-80ce-e8459095d126"}}"##
        ),
        CapturedPush(
            capture: "06_acks_late_kill9_visibility_timeout_restore", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1szMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "parent_id": null, "argsrepr": "(30,)", "kwargsrepr": "{}", "origin": "gen10109@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "5e283432-c97d-4873-b29a-83ac00b38a3d", "reply_to": "d7fc735a-b4be-3b0f-9356-5498aaf8bf76", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6eafc8cd-3b8d-44f4-80ce-e8459095d126"}}"##
        ),
        CapturedPush(
            capture: "07_eta_longer_than_visibility_timeout_duplicates", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syMCwgMjJdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "shadow": null, "eta": "2026-11-22T20:01:37.207504+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "parent_id": null, "argsrepr": "(20, 22)", "kwargsrepr": "{}", "origin": "gen10200@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "reply_to": "b570494c-d7ec-3a1e-885f-8bdfa7f2d83c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "b65f429d-7043-4623-853b-9eadd6523280"}}"##
        ),
        CapturedPush(
            capture: "07_eta_longer_than_visibility_timeout_duplicates", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1syMCwgMjJdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "shadow": null, "eta": "2026-11-22T20:01:37.207504+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "parent_id": null, "argsrepr": "(20, 22)", "kwargsrepr": "{}", "origin": "gen10200@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "reply_to": "b570494c-d7ec-3a1e-885f-8bdfa7f2d83c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "b65f429d-7043-4623-853b-9eadd6523280"}}"##
        ),
        CapturedPush(
            capture: "07_eta_longer_than_visibility_timeout_duplicates", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1syMCwgMjJdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "shadow": null, "eta": "2026-11-22T20:01:37.207504+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "parent_id": null, "argsrepr": "(20, 22)", "kwargsrepr": "{}", "origin": "gen10200@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54", "reply_to": "b570494c-d7ec-3a1e-885f-8bdfa7f2d83c", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "b65f429d-7043-4623-853b-9eadd6523280"}}"##
        ),
        CapturedPush(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", command: "LPUSH", key: "backups",
            envelope: ##"{"body": "W1sxLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "3b282552-7edd-420f-a462-0b031148c433", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "3b282552-7edd-420f-a462-0b031148c433", "parent_id": null, "argsrepr": "(1, 2)", "kwargsrepr": "{}", "origin": "gen14133@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "3b282552-7edd-420f-a462-0b031148c433", "reply_to": "15b80c5b-a034-3369-b609-d3e001b72aaa", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "backups"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "9ee2cb53-75c5-4c24-b23f-a9f25e4482fc"}}"##
        ),
        CapturedPush(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "af85095f-3bbc-43d1-b9af-8e48570c7579", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "af85095f-3bbc-43d1-b9af-8e48570c7579", "parent_id": null, "argsrepr": "(1, 2)", "kwargsrepr": "{}", "origin": "gen14133@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "af85095f-3bbc-43d1-b9af-8e48570c7579", "reply_to": "15b80c5b-a034-3369-b609-d3e001b72aaa", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "b14f1357-8894-4ab5-8bfd-9606ce554392"}}"##
        ),
        CapturedPush(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "parent_id": null, "argsrepr": "(20,)", "kwargsrepr": "{}", "origin": "gen14133@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "reply_to": "15b80c5b-a034-3369-b609-d3e001b72aaa", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "ae380565-4d7c-4395-9f9d-658c038fd17f"}}"##
        ),
        CapturedPush(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1syMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "parent_id": null, "argsrepr": "(20,)", "kwargsrepr": "{}", "origin": "gen14133@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "09c79b7c-d768-4b3b-9027-adf4ae809af6", "reply_to": "15b80c5b-a034-3369-b609-d3e001b72aaa", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "ae380565-4d7c-4395-9f9d-658c038fd17f"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "d7d76612-cc1c-4629-a0b8-aef9aa6a6808", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "d7d76612-cc1c-4629-a0b8-aef9aa6a6808", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "d7d76612-cc1c-4629-a0b8-aef9aa6a6808", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "bc642df3-a208-466f-b7e5-a7113aa75544"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.fail", "id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "12436306-1207-4356-9bb3-36a0733c6ae7"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.flaky", "id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "c7608ab6-396f-43dc-9a87-0ef6e49d35af"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.flaky", "id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "shadow": null, "eta": "2026-11-22T20:02:06.478317+00:00", "expires": null, "group": null, "group_index": null, "retries": 1, "timelimit": [null, null], "root_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "parent_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "origin": "gen10233@vm", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "4046805b-c0b9-418c-aca5-ef2978bd24ac"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.flaky", "id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "shadow": null, "eta": "2026-11-22T20:02:08.480253+00:00", "expires": null, "group": null, "group_index": null, "retries": 2, "timelimit": [null, null], "root_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "parent_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "origin": "gen10233@vm", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "fa86d957-c6f3-4c9c-a90b-f877ca164be5"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "7628240d-14dc-45b5-95e4-def9a509859d", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "7628240d-14dc-45b5-95e4-def9a509859d", "parent_id": null, "argsrepr": "(2,)", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "7628240d-14dc-45b5-95e4-def9a509859d", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "fcc9edd0-7cf9-4abf-85c5-b6d25089527a"}}"##
        ),
        CapturedPush(
            capture: "09_results_success_failure_retry_revoke_ping", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6", "shadow": null, "eta": "2026-11-22T20:02:13.532613+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen10233@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6", "reply_to": "8dc8b937-3421-3887-93c6-4e01e75a2718", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "36c4ecc9-7b23-4d26-b9ac-d0a8efb48de6"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6ae952d2-b16c-4899-ae04-051c13d082f1"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7IngiOiAiYSIsICJ5IjogImIifSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "2bad232f-c1da-40c4-8461-9e624a17671b", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "2bad232f-c1da-40c4-8461-9e624a17671b", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{'x': 'a', 'y': 'b'}", "origin": "gen10489@vm", "ignore_result": null, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "2bad232f-c1da-40c4-8461-9e624a17671b", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "04f62fc8-b671-4a8d-ab6b-48f66258f750"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.sleepy", "id": "f9dbb6b4-1716-47cf-a85c-88e7db641994", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994", "parent_id": null, "argsrepr": "(2,)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "3bd62993-7b89-465d-b510-9b3d54207ed6"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.fail", "id": "8e08fabf-a730-4706-824d-d59dfbabbb9f", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "8e08fabf-a730-4706-824d-d59dfbabbb9f", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "8e08fabf-a730-4706-824d-d59dfbabbb9f", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6cbb1a69-8e23-42dd-884e-a3cd20e8fbcb"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1swLCAwXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "6d5e9418-76a4-4bac-9045-46d86b550427", "shadow": null, "eta": null, "expires": null, "group": "3776d99a-f444-478f-bcc1-837f6242811a", "group_index": 0, "retries": 0, "timelimit": [null, null], "root_id": "6d5e9418-76a4-4bac-9045-46d86b550427", "parent_id": null, "argsrepr": "(0, 0)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "6d5e9418-76a4-4bac-9045-46d86b550427", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "13eb4e74-d5d4-47a1-babe-9e612b56274f"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "785f210a-2a55-4c3e-b512-ea69cce918fa", "shadow": null, "eta": null, "expires": null, "group": "3776d99a-f444-478f-bcc1-837f6242811a", "group_index": 1, "retries": 0, "timelimit": [null, null], "root_id": "785f210a-2a55-4c3e-b512-ea69cce918fa", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "785f210a-2a55-4c3e-b512-ea69cce918fa", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "f40c3974-bf0f-4a28-ad35-4eec3c661b8f"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "d95a661d-59c5-4170-a8aa-1f0a32cf2b64", "shadow": null, "eta": null, "expires": null, "group": "3776d99a-f444-478f-bcc1-837f6242811a", "group_index": 2, "retries": 0, "timelimit": [null, null], "root_id": "d95a661d-59c5-4170-a8aa-1f0a32cf2b64", "parent_id": null, "argsrepr": "(2, 2)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "d95a661d-59c5-4170-a8aa-1f0a32cf2b64", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "ba543168-7093-45f9-818c-7498ec807c2a"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1swLCAwXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImVkYTA4OTA1LWZkMzktNDgzMS04YzJhLTBlY2Q2MDg3OTE5YyIsICJyZXBseV90byI6ICJkN2Y5YzExYy0yODhlLTM5NjEtYWQxZS1kYjRhYjc3YTQyZGMiLCAiZ3JvdXBfaWQiOiAiNjFkYTIxZTAtN2Y2MS00YTA5LWE2NjYtMDVhN2ZjZTBmNGUyIn0sICJzdWJ0YXNrX3R5cGUiOiBudWxsLCAiaW1tdXRhYmxlIjogZmFsc2V9fV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "56ccc599-5143-4c5c-8ab6-41fef82430d7", "shadow": null, "eta": null, "expires": null, "group": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "group_index": 0, "retries": 0, "timelimit": [null, null], "root_id": "56ccc599-5143-4c5c-8ab6-41fef82430d7", "parent_id": null, "argsrepr": "(0, 0)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "56ccc599-5143-4c5c-8ab6-41fef82430d7", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "eb6af4d2-fdb6-4f0c-9862-19de0a19f0b7"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImVkYTA4OTA1LWZkMzktNDgzMS04YzJhLTBlY2Q2MDg3OTE5YyIsICJyZXBseV90byI6ICJkN2Y5YzExYy0yODhlLTM5NjEtYWQxZS1kYjRhYjc3YTQyZGMiLCAiZ3JvdXBfaWQiOiAiNjFkYTIxZTAtN2Y2MS00YTA5LWE2NjYtMDVhN2ZjZTBmNGUyIn0sICJzdWJ0YXNrX3R5cGUiOiBudWxsLCAiaW1tdXRhYmxlIjogZmFsc2V9fV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "39070ca4-8d16-4125-a5c8-a2138781d748", "shadow": null, "eta": null, "expires": null, "group": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "group_index": 1, "retries": 0, "timelimit": [null, null], "root_id": "39070ca4-8d16-4125-a5c8-a2138781d748", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "39070ca4-8d16-4125-a5c8-a2138781d748", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "dc55cb7f-8969-4da4-a27c-fb27f79ccf7d"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImVkYTA4OTA1LWZkMzktNDgzMS04YzJhLTBlY2Q2MDg3OTE5YyIsICJyZXBseV90byI6ICJkN2Y5YzExYy0yODhlLTM5NjEtYWQxZS1kYjRhYjc3YTQyZGMiLCAiZ3JvdXBfaWQiOiAiNjFkYTIxZTAtN2Y2MS00YTA5LWE2NjYtMDVhN2ZjZTBmNGUyIn0sICJzdWJ0YXNrX3R5cGUiOiBudWxsLCAiaW1tdXRhYmxlIjogZmFsc2V9fV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "shadow": null, "eta": null, "expires": null, "group": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "group_index": 2, "retries": 0, "timelimit": [null, null], "root_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "parent_id": null, "argsrepr": "(2, 2)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "949c8eb8-e43a-4a05-8f4c-43742720a5ab"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tbMCwgMiwgNF1dLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.tsum", "id": "eda08905-fd39-4831-8c2a-0ecd6087919c", "shadow": null, "eta": null, "expires": null, "group": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "parent_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "argsrepr": "([0, 2, 4],)", "kwargsrepr": "{}", "origin": "gen10488@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "eda08905-fd39-4831-8c2a-0ecd6087919c", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "1682f2e4-d6e9-4585-b1cd-9c1c26d83496"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogW3sidGFzayI6ICJ0YXNrcy5hZGQiLCAiYXJncyI6IFsxMF0sICJrd2FyZ3MiOiB7fSwgIm9wdGlvbnMiOiB7InRhc2tfaWQiOiAiZDcwODk4OTMtYmFlYi00MzI0LWIyOGItZDBjNWIzYzJkYTVjIiwgInJlcGx5X3RvIjogImQ3ZjljMTFjLTI4OGUtMzk2MS1hZDFlLWRiNGFiNzdhNDJkYyJ9LCAic3VidGFza190eXBlIjogbnVsbCwgImltbXV0YWJsZSI6IGZhbHNlfV0sICJjaG9yZCI6IG51bGx9XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen10489@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "c193b77c-844e-445c-b63e-a73ae26b2432"}}"##
        ),
        CapturedPush(
            capture: "10_results_extended_started_group_chord_chain_events", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAxMF0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IFtdLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "d7089893-baeb-4324-b28b-d0c5b3c2da5c", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "parent_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "argsrepr": "(2, 10)", "kwargsrepr": "{}", "origin": "gen10488@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "d7089893-baeb-4324-b28b-d0c5b3c2da5c", "reply_to": "d7f9c11c-288e-3961-ad1e-db4ab77a42dc", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "0e82d7f1-e966-4a71-8cfc-4128d3c1da66"}}"##
        ),
        CapturedPush(
            capture: "11_client_get_needs_publish", command: "LPUSH", key: "nobody",
            envelope: ##"{"body": "W1sxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "compat.nothing", "id": "229dcab0-a524-4ec2-a88e-02a87672a306", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "229dcab0-a524-4ec2-a88e-02a87672a306", "parent_id": null, "argsrepr": "[1]", "kwargsrepr": "{}", "origin": "gen10744@vm", "ignore_result": null, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "229dcab0-a524-4ec2-a88e-02a87672a306", "reply_to": "e1a51054-641d-3b3d-a5f2-2a27d5fb2135", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "nobody"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "70c2bbec-546d-4230-b19d-f68d36e08c05"}}"##
        ),
        CapturedPush(
            capture: "11_client_get_needs_publish", command: "LPUSH", key: "nobody",
            envelope: ##"{"body": "W1syXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "compat.nothing", "id": "52e3b546-da86-4db7-9904-95e299989989", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "52e3b546-da86-4db7-9904-95e299989989", "parent_id": null, "argsrepr": "[2]", "kwargsrepr": "{}", "origin": "gen10744@vm", "ignore_result": null, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "52e3b546-da86-4db7-9904-95e299989989", "reply_to": "e1a51054-641d-3b3d-a5f2-2a27d5fb2135", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "nobody"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6e060693-29a5-43ed-b3cb-77a2f7942f86"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "a178c823-b0bd-4fda-8a1e-df01759ae50f", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "a178c823-b0bd-4fda-8a1e-df01759ae50f", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen14922@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "a178c823-b0bd-4fda-8a1e-df01759ae50f", "reply_to": "ebafb6ad-44e6-3abe-a5b1-c7463a5e94ce", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "526a74e0-8bce-47c2-b7e2-6c3b167d7568"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "287bdb3f-3c7d-4ad8-b57a-9995b7c2f4d0", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "287bdb3f-3c7d-4ad8-b57a-9995b7c2f4d0", "parent_id": null, "argsrepr": "(1, 2)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "287bdb3f-3c7d-4ad8-b57a-9995b7c2f4d0", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "39ff9034-1ede-486f-aeb8-b3f3f2e5d62a"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.fail", "id": "c6f7afbb-d432-4313-a294-220a67af9b4e", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c6f7afbb-d432-4313-a294-220a67af9b4e", "parent_id": null, "argsrepr": "()", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c6f7afbb-d432-4313-a294-220a67af9b4e", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "e121e8d8-3bc1-4ab4-aef6-2d68804d28b5"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1swLCAwXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImMwNDlkOTAyLTllYWItNGY0ZC04ZDM5LTdiNzIxZDIyNTExMyIsICJyZXBseV90byI6ICJjYWQwZDQxZC04ZTdjLTMwNDUtYmU3YS04YjdjNGE4OTlkMTIifSwgInN1YnRhc2tfdHlwZSI6IG51bGwsICJpbW11dGFibGUiOiBmYWxzZX19XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "a856532f-c71d-4dac-951d-c30910271de5", "shadow": null, "eta": null, "expires": null, "group": "90522825-beed-4fc6-9897-a4ad41e9359b", "group_index": 0, "retries": 0, "timelimit": [null, null], "root_id": "a856532f-c71d-4dac-951d-c30910271de5", "parent_id": null, "argsrepr": "(0, 0)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "a856532f-c71d-4dac-951d-c30910271de5", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "751aba3f-aa35-46eb-988b-657e31f550b9"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1sxLCAxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImMwNDlkOTAyLTllYWItNGY0ZC04ZDM5LTdiNzIxZDIyNTExMyIsICJyZXBseV90byI6ICJjYWQwZDQxZC04ZTdjLTMwNDUtYmU3YS04YjdjNGE4OTlkMTIifSwgInN1YnRhc2tfdHlwZSI6IG51bGwsICJpbW11dGFibGUiOiBmYWxzZX19XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "cdad5f7a-a3d7-4074-b762-1c647525f6f1", "shadow": null, "eta": null, "expires": null, "group": "90522825-beed-4fc6-9897-a4ad41e9359b", "group_index": 1, "retries": 0, "timelimit": [null, null], "root_id": "cdad5f7a-a3d7-4074-b762-1c647525f6f1", "parent_id": null, "argsrepr": "(1, 1)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "cdad5f7a-a3d7-4074-b762-1c647525f6f1", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "77afb55d-6301-496e-bb25-8cae72dd7aa0"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1syLCAyXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogeyJ0YXNrIjogInRhc2tzLnRzdW0iLCAiYXJncyI6IFtdLCAia3dhcmdzIjoge30sICJvcHRpb25zIjogeyJ0YXNrX2lkIjogImMwNDlkOTAyLTllYWItNGY0ZC04ZDM5LTdiNzIxZDIyNTExMyIsICJyZXBseV90byI6ICJjYWQwZDQxZC04ZTdjLTMwNDUtYmU3YS04YjdjNGE4OTlkMTIifSwgInN1YnRhc2tfdHlwZSI6IG51bGwsICJpbW11dGFibGUiOiBmYWxzZX19XQ==", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "shadow": null, "eta": null, "expires": null, "group": "90522825-beed-4fc6-9897-a4ad41e9359b", "group_index": 2, "retries": 0, "timelimit": [null, null], "root_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "parent_id": null, "argsrepr": "(2, 2)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "6d165c74-ff70-4062-bf14-f1ae32a65ee1"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1tbMCwgMiwgNF1dLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.tsum", "id": "c049d902-9eab-4f4d-8d39-7b721d225113", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "parent_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "argsrepr": "([0, 2, 4],)", "kwargsrepr": "{}", "origin": "gen14925@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c049d902-9eab-4f4d-8d39-7b721d225113", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "2c7ef750-6d2a-4400-aade-b8036b9db748"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "LPUSH", key: "celery",
            envelope: ##"{"body": "W1s5LCA5XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "shadow": null, "eta": "2026-11-22T20:14:59.205600+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "parent_id": null, "argsrepr": "(9, 9)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "a169cc5b-e295-42f1-afbc-45e1ec7bc37e"}}"##
        ),
        CapturedPush(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", command: "RPUSH", key: "celery",
            envelope: ##"{"body": "W1s5LCA5XSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "shadow": null, "eta": "2026-11-22T20:14:59.205600+00:00", "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "parent_id": null, "argsrepr": "(9, 9)", "kwargsrepr": "{}", "origin": "gen14928@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}, "redelivered": true}, "properties": {"correlation_id": "b6a21ec4-15b6-493d-a64b-19d07b0137a1", "reply_to": "cad0d41d-8e7c-3045-be7a-8b7c4a899d12", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, "body_encoding": "base64", "delivery_tag": "a169cc5b-e295-42f1-afbc-45e1ec7bc37e"}}"##
        ),
    ]

    static let results: [CapturedResult] = [
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "96446ae2-f4ca-48cc-8a32-8f79229a5cf2",
            document: ##"{"status": "SUCCESS", "result": "c", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.328189+00:00", "task_id": "96446ae2-f4ca-48cc-8a32-8f79229a5cf2"}"##
        ),
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "467f95ca-6503-45cb-a819-c615a90bb55c",
            document: ##"{"status": "SUCCESS", "result": "d", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.332542+00:00", "task_id": "467f95ca-6503-45cb-a819-c615a90bb55c"}"##
        ),
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "91d341f9-6944-4548-825f-c0786f32aecb",
            document: ##"{"status": "SUCCESS", "result": "b", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.334819+00:00", "task_id": "91d341f9-6944-4548-825f-c0786f32aecb"}"##
        ),
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "59b5bb7e-0b0a-480b-a712-409de00857ef",
            document: ##"{"status": "SUCCESS", "result": "f", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.336936+00:00", "task_id": "59b5bb7e-0b0a-480b-a712-409de00857ef"}"##
        ),
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "2dcb16c4-37c7-40bc-a428-8e09afe419ba",
            document: ##"{"status": "SUCCESS", "result": "a", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.339027+00:00", "task_id": "2dcb16c4-37c7-40bc-a428-8e09afe419ba"}"##
        ),
        CapturedResult(
            capture: "03_priority_buckets_and_consumption_order", taskID: "9c64fde8-63f1-426c-9d48-a9c2244bbacc",
            document: ##"{"status": "SUCCESS", "result": "e", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:48.341411+00:00", "task_id": "9c64fde8-63f1-426c-9d48-a9c2244bbacc"}"##
        ),
        CapturedResult(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", taskID: "a5dedfec-f7d2-4869-92d1-4ecb394840bd",
            document: ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T19:58:54.369222+00:00", "task_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd"}"##
        ),
        CapturedResult(
            capture: "04_worker_solo_consume_ack_eta_warm_shutdown", taskID: "0ecc846a-bf0c-46fc-8712-fcac6ef6db74",
            document: ##"{"status": "SUCCESS", "result": 4, "traceback": null, "children": [], "date_done": "2026-11-22T19:58:58.374088+00:00", "task_id": "0ecc846a-bf0c-46fc-8712-fcac6ef6db74"}"##
        ),
        CapturedResult(
            capture: "05_worker_prefork_consume_ack", taskID: "c5c10881-543a-47b9-95ff-c45fae24f64f",
            document: ##"{"status": "SUCCESS", "result": 3, "traceback": null, "children": [], "date_done": "2026-11-22T19:59:55.947384+00:00", "task_id": "c5c10881-543a-47b9-95ff-c45fae24f64f"}"##
        ),
        CapturedResult(
            capture: "05_worker_prefork_consume_ack", taskID: "0edc838c-586b-4323-bca8-7da6e3a8ce5d",
            document: ##"{"status": "SUCCESS", "result": 0, "traceback": null, "children": [], "date_done": "2026-11-22T19:59:55.956778+00:00", "task_id": "0edc838c-586b-4323-bca8-7da6e3a8ce5d"}"##
        ),
        CapturedResult(
            capture: "05_worker_prefork_consume_ack", taskID: "1593af95-37c0-43a4-a0c5-df5ddeda4a5c",
            document: ##"{"status": "SUCCESS", "result": 4, "traceback": null, "children": [], "date_done": "2026-11-22T19:59:55.961146+00:00", "task_id": "1593af95-37c0-43a4-a0c5-df5ddeda4a5c"}"##
        ),
        CapturedResult(
            capture: "05_worker_prefork_consume_ack", taskID: "44da75fc-63e9-4dcf-acf9-fff07bd3177d",
            document: ##"{"status": "SUCCESS", "result": 6, "traceback": null, "children": [], "date_done": "2026-11-22T19:59:55.962983+00:00", "task_id": "44da75fc-63e9-4dcf-acf9-fff07bd3177d"}"##
        ),
        CapturedResult(
            capture: "05_worker_prefork_consume_ack", taskID: "02e35dfd-52db-46b7-b65f-9e1e65350894",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T19:59:55.958150+00:00", "task_id": "02e35dfd-52db-46b7-b65f-9e1e65350894"}"##
        ),
        CapturedResult(
            capture: "06_acks_late_kill9_visibility_timeout_restore", taskID: "5945cf42-0565-4ea8-b02d-5d1723d4a8b8",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:00:22.387940+00:00", "task_id": "5945cf42-0565-4ea8-b02d-5d1723d4a8b8"}"##
        ),
        CapturedResult(
            capture: "07_eta_longer_than_visibility_timeout_duplicates", taskID: "891f79f7-ee1c-4429-bb42-74565dfc7b54",
            document: ##"{"status": "SUCCESS", "result": 42, "traceback": null, "children": [], "date_done": "2026-11-22T20:01:37.210939+00:00", "task_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54"}"##
        ),
        CapturedResult(
            capture: "07_eta_longer_than_visibility_timeout_duplicates", taskID: "891f79f7-ee1c-4429-bb42-74565dfc7b54",
            document: ##"{"status": "SUCCESS", "result": 42, "traceback": null, "children": [], "date_done": "2026-11-22T20:01:37.210924+00:00", "task_id": "891f79f7-ee1c-4429-bb42-74565dfc7b54"}"##
        ),
        CapturedResult(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", taskID: "3b282552-7edd-420f-a462-0b031148c433",
            document: ##"{"status": "SUCCESS", "result": 3, "traceback": null, "children": [], "date_done": "2026-11-22T20:08:38.226463+00:00", "task_id": "3b282552-7edd-420f-a462-0b031148c433"}"##
        ),
        CapturedResult(
            capture: "08_multi_queue_brpop_rotation_and_cold_shutdown", taskID: "af85095f-3bbc-43d1-b9af-8e48570c7579",
            document: ##"{"status": "SUCCESS", "result": 3, "traceback": null, "children": [], "date_done": "2026-11-22T20:08:38.241414+00:00", "task_id": "af85095f-3bbc-43d1-b9af-8e48570c7579"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "d7d76612-cc1c-4629-a0b8-aef9aa6a6808",
            document: ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T20:02:04.468369+00:00", "task_id": "d7d76612-cc1c-4629-a0b8-aef9aa6a6808"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "74ab03e5-c5d0-40d8-9913-ed4e407a8ded",
            document: ##"{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 564, in trace_task\n    R = retval = fun(*args, **kwargs)\n                 ^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 883, in __protected_call__\n    return self.run(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/cw/tasks.py\", line 28, in fail\n    raise ValueError('boom')\nValueError: boom\n", "children": [], "date_done": "2026-11-22T20:02:04.474342+00:00", "task_id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "5a9975cf-d06b-43ab-ac34-a301d9182b24",
            document: ##"{"status": "RETRY", "result": {"exc_type": "RuntimeError", "exc_message": ["try again"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 564, in trace_task\n    R = retval = fun(*args, **kwargs)\n                 ^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 883, in __protected_call__\n    return self.run(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/cw/tasks.py\", line 33, in flaky\n    raise self.retry(countdown=2, exc=RuntimeError('try again'))\n          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/task.py\", line 963, in retry\n    raise ret\ncelery.exceptions.Retry: Retry in 2s: RuntimeError('try again')\n", "children": [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", null], null]], "date_done": null, "task_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "5a9975cf-d06b-43ab-ac34-a301d9182b24",
            document: ##"{"status": "RETRY", "result": {"exc_type": "RuntimeError", "exc_message": ["try again"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 564, in trace_task\n    R = retval = fun(*args, **kwargs)\n                 ^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 883, in __protected_call__\n    return self.run(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/cw/tasks.py\", line 33, in flaky\n    raise self.retry(countdown=2, exc=RuntimeError('try again'))\n          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/task.py\", line 963, in retry\n    raise ret\ncelery.exceptions.Retry: Retry in 2s: RuntimeError('try again')\n", "children": [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", null], null]], "date_done": null, "parent_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "task_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "5a9975cf-d06b-43ab-ac34-a301d9182b24",
            document: ##"{"status": "SUCCESS", "result": "ok after 2 retries", "traceback": null, "children": [], "date_done": "2026-11-22T20:02:08.482395+00:00", "parent_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24", "task_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "7628240d-14dc-45b5-95e4-def9a509859d",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:02:10.529580+00:00", "task_id": "7628240d-14dc-45b5-95e4-def9a509859d"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6",
            document: ##"{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["revoked"], "exc_module": "celery.exceptions"}, "traceback": null, "children": null, "date_done": "2026-11-22T20:02:11.041900+00:00", "task_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6"}"##
        ),
        CapturedResult(
            capture: "09_results_success_failure_retry_revoke_ping", taskID: "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6",
            document: ##"{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["revoked"], "exc_module": "celery.exceptions"}, "traceback": null, "children": [], "date_done": "2026-11-22T20:02:13.534825+00:00", "task_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "8d9a2e9e-f739-41f1-ace1-69d16abccb00",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "8d9a2e9e-f739-41f1-ace1-69d16abccb00",
            document: ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:03.859558+00:00", "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "2bad232f-c1da-40c4-8461-9e624a17671b",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "name": "tasks.add", "args": [], "kwargs": {"x": "a", "y": "b"}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "2bad232f-c1da-40c4-8461-9e624a17671b"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "2bad232f-c1da-40c4-8461-9e624a17671b",
            document: ##"{"status": "SUCCESS", "result": "ab", "traceback": null, "children": [], "date_done": "2026-11-22T20:03:03.864235+00:00", "name": "tasks.add", "args": [], "kwargs": {"x": "a", "y": "b"}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "2bad232f-c1da-40c4-8461-9e624a17671b"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "f9dbb6b4-1716-47cf-a85c-88e7db641994",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "name": "tasks.sleepy", "args": [2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "f9dbb6b4-1716-47cf-a85c-88e7db641994",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:05.868748+00:00", "name": "tasks.sleepy", "args": [2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "8e08fabf-a730-4706-824d-d59dfbabbb9f",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "name": "tasks.fail", "args": [], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8e08fabf-a730-4706-824d-d59dfbabbb9f"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "8e08fabf-a730-4706-824d-d59dfbabbb9f",
            document: ##"{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 564, in trace_task\n    R = retval = fun(*args, **kwargs)\n                 ^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 883, in __protected_call__\n    return self.run(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/cw/tasks.py\", line 28, in fail\n    raise ValueError('boom')\nValueError: boom\n", "children": [], "date_done": "2026-11-22T20:03:05.876301+00:00", "name": "tasks.fail", "args": [], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8e08fabf-a730-4706-824d-d59dfbabbb9f"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "6d5e9418-76a4-4bac-9045-46d86b550427",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [0, 0], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "6d5e9418-76a4-4bac-9045-46d86b550427"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "6d5e9418-76a4-4bac-9045-46d86b550427",
            document: ##"{"status": "SUCCESS", "result": 0, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:05.882440+00:00", "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [0, 0], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "6d5e9418-76a4-4bac-9045-46d86b550427"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "785f210a-2a55-4c3e-b512-ea69cce918fa",
            document: ##"{"status": "STARTED", "result": {"pid": 10487, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "785f210a-2a55-4c3e-b512-ea69cce918fa"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "785f210a-2a55-4c3e-b512-ea69cce918fa",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:05.888685+00:00", "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "785f210a-2a55-4c3e-b512-ea69cce918fa"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "d95a661d-59c5-4170-a8aa-1f0a32cf2b64",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [2, 2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "d95a661d-59c5-4170-a8aa-1f0a32cf2b64"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "d95a661d-59c5-4170-a8aa-1f0a32cf2b64",
            document: ##"{"status": "SUCCESS", "result": 4, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:05.890202+00:00", "group_id": "3776d99a-f444-478f-bcc1-837f6242811a", "name": "tasks.add", "args": [2, 2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "d95a661d-59c5-4170-a8aa-1f0a32cf2b64"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "39070ca4-8d16-4125-a5c8-a2138781d748",
            document: ##"{"status": "STARTED", "result": {"pid": 10487, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "39070ca4-8d16-4125-a5c8-a2138781d748"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "56ccc599-5143-4c5c-8ab6-41fef82430d7",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [0, 0], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "56ccc599-5143-4c5c-8ab6-41fef82430d7"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "39070ca4-8d16-4125-a5c8-a2138781d748",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:06.394587+00:00", "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "39070ca4-8d16-4125-a5c8-a2138781d748"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "56ccc599-5143-4c5c-8ab6-41fef82430d7",
            document: ##"{"status": "SUCCESS", "result": 0, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:06.394453+00:00", "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [0, 0], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "56ccc599-5143-4c5c-8ab6-41fef82430d7"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "38de71ca-06f9-4234-8a89-f962f28d9bb7",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [2, 2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "38de71ca-06f9-4234-8a89-f962f28d9bb7",
            document: ##"{"status": "SUCCESS", "result": 4, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:06.400508+00:00", "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "name": "tasks.add", "args": [2, 2], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "eda08905-fd39-4831-8c2a-0ecd6087919c",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "parent_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "name": "tasks.tsum", "args": [[0, 2, 4]], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "eda08905-fd39-4831-8c2a-0ecd6087919c"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "eda08905-fd39-4831-8c2a-0ecd6087919c",
            document: ##"{"status": "SUCCESS", "result": 6, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:06.411778+00:00", "group_id": "61da21e0-7f61-4a09-a666-05a7fce0f4e2", "parent_id": "38de71ca-06f9-4234-8a89-f962f28d9bb7", "name": "tasks.tsum", "args": [[0, 2, 4]], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "eda08905-fd39-4831-8c2a-0ecd6087919c"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "c54204b2-a566-40cc-a75a-aabf8b93aa3a",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "c54204b2-a566-40cc-a75a-aabf8b93aa3a",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [[["d7089893-baeb-4324-b28b-d0c5b3c2da5c", null], null]], "date_done": "2026-11-22T20:03:06.923225+00:00", "name": "tasks.add", "args": [1, 1], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "d7089893-baeb-4324-b28b-d0c5b3c2da5c",
            document: ##"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "parent_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "name": "tasks.add", "args": [2, 10], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "d7089893-baeb-4324-b28b-d0c5b3c2da5c"}"##
        ),
        CapturedResult(
            capture: "10_results_extended_started_group_chord_chain_events", taskID: "d7089893-baeb-4324-b28b-d0c5b3c2da5c",
            document: ##"{"status": "SUCCESS", "result": 12, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:06.925439+00:00", "parent_id": "c54204b2-a566-40cc-a75a-aabf8b93aa3a", "name": "tasks.add", "args": [2, 10], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "d7089893-baeb-4324-b28b-d0c5b3c2da5c"}"##
        ),
        CapturedResult(
            capture: "11_client_get_needs_publish", taskID: "229dcab0-a524-4ec2-a88e-02a87672a306",
            document: ##"{"status": "SUCCESS", "result": 42, "traceback": null, "children": [], "date_done": "2026-01-01T00:00:00+00:00", "task_id": "229dcab0-a524-4ec2-a88e-02a87672a306"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "a178c823-b0bd-4fda-8a1e-df01759ae50f",
            document: ##"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:54.276901+00:00", "task_id": "a178c823-b0bd-4fda-8a1e-df01759ae50f"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "287bdb3f-3c7d-4ad8-b57a-9995b7c2f4d0",
            document: ##"{"status": "SUCCESS", "result": 3, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:59.190070+00:00", "task_id": "287bdb3f-3c7d-4ad8-b57a-9995b7c2f4d0"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "c6f7afbb-d432-4313-a294-220a67af9b4e",
            document: ##"{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/celery55-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 453, in trace_task\n    R = retval = fun(*args, **kwargs)\n                 ^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/celery55-venv/lib/python3.11/site-packages/celery/app/trace.py\", line 736, in __protected_call__\n    return self.run(*args, **kwargs)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/tmp/cw/tasks.py\", line 28, in fail\n    raise ValueError('boom')\nValueError: boom\n", "children": [], "date_done": "2026-11-22T20:09:59.193566+00:00", "task_id": "c6f7afbb-d432-4313-a294-220a67af9b4e"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "a856532f-c71d-4dac-951d-c30910271de5",
            document: ##"{"status": "SUCCESS", "result": 0, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:59.196727+00:00", "group_id": "90522825-beed-4fc6-9897-a4ad41e9359b", "task_id": "a856532f-c71d-4dac-951d-c30910271de5"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "cdad5f7a-a3d7-4074-b762-1c647525f6f1",
            document: ##"{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:59.198875+00:00", "group_id": "90522825-beed-4fc6-9897-a4ad41e9359b", "task_id": "cdad5f7a-a3d7-4074-b762-1c647525f6f1"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "a6709f03-8f34-4d9f-800a-821e6761a9f7",
            document: ##"{"status": "SUCCESS", "result": 4, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:59.200782+00:00", "group_id": "90522825-beed-4fc6-9897-a4ad41e9359b", "task_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7"}"##
        ),
        CapturedResult(
            capture: "12_celery553_kombu554_send_consume_chord_shutdown", taskID: "c049d902-9eab-4f4d-8d39-7b721d225113",
            document: ##"{"status": "SUCCESS", "result": 6, "traceback": null, "children": [], "date_done": "2026-11-22T20:09:59.204685+00:00", "parent_id": "a6709f03-8f34-4d9f-800a-821e6761a9f7", "task_id": "c049d902-9eab-4f4d-8d39-7b721d225113"}"##
        ),
    ]
}
