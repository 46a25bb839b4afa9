import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif
// timeval's members are also declared by the toolchain's SwiftOverlayShims (see RedisSession+Hiredis.swift).
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// The replies to Celery's inspect commands (celery/worker/control.py), built from what the supervisor knows.
/// Each reply has the shape a Celery 5.5/5.7 worker gives, so `celery inspect …` and Flower read Celerity
/// nodes as they read Celery's. `nil` means no reply, as Celery sends none for that command.
struct ControlReplies {
    let configuration: WorkerConfiguration
    let state: NodeSnapshot
    let clock: LamportClock
    let started: Date

    /// Commands Celery workers answer that Celerity deliberately does not implement, with the reason.
    static let unsupported: [String: String] = [
        "objgraph": "objgraph inspects a Python heap; a Celerity node has none (use /metrics and `celerity status`)",
        "memsample": "memsample samples a Python heap; a Celerity node has none (RSS is in /metrics)",
        "memdump": "memdump dumps a Python heap; a Celerity node has none (RSS is in /metrics)",
        "revoke_by_stamped_headers":
            "revoke_by_stamped_headers is not implemented by Celerity yet; revoke the task ids (celerity revoke ID)",
    ]

    /// The reply to an inspect command that only reads the node's state, or `nil` when `method` is not one.
    func inspect(_ method: String, arguments: JSONObject, revoked: () -> [String]) -> JSONValue?? {
        switch method {
        case "ping": return .some(["ok": "pong"])
        case "clock": return .some(["clock": .int(clock.value)])
        case "report": return .some(["ok": .string(report)])
        case "conf", "dump_conf": return .some(conf)
        case "stats": return .some(stats)
        case "active", "dump_active":
            let safe = arguments["safe"]?.boolValue == true
            return .some(.array(state.active.map { requestInfo($0, safe: safe) }))
        case "scheduled", "dump_schedule", "reserved", "dump_reserved":
            // ETA tasks wait in Redis, not in a node's memory, and a taken batch is running, not reserved.
            return .some([])
        case "revoked", "dump_revoked": return .some(.array(revoked().map(JSONValue.string)))
        case "registered", "dump_tasks": return .some(.array(state.taskNames.sorted().map(JSONValue.string)))
        case "query_task": return .some(queryTask(arguments["ids"]))
        case "active_queues": return .some(activeQueues)
        default:
            if let reason = Self.unsupported[method] { return .some(["error": .string(reason)]) }
            return nil
        }
    }

    /// `celery report`: Celery's bug-report text, with Celerity's software, platform and (redacted) broker.
    var report: String {
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
        return """
            software -> celerity:\(CelerityVersion.current) (swift)
            platform -> system:\(field(system.sysname)) arch:\(field(system.machine)) kernel version:\(field(system.release))
            settings -> transport:redis results:redis

            broker_url: '\(configuration.redis.redactedURL)'
            worker_concurrency: \(state.processPIDs.count)
            """
    }

    /// `celery inspect conf`: the settings a Celery worker would show for this node, without secrets (the broker
    /// URL is redacted; nothing else holds one).
    var conf: JSONValue {
        [
            "broker_url": .string(configuration.redis.redactedURL),
            "result_backend": .string(configuration.redis.redactedURL),
            "worker_concurrency": .int(configuration.concurrency),
            "worker_prefetch_multiplier": .int(configuration.prefetchBatch),
            "worker_send_task_events": .bool(configuration.sendTaskEvents),
            "task_track_started": .bool(configuration.trackStarted),
            "result_extended": .bool(configuration.extendedResults),
            "result_expires": configuration.results.timeToLive.map { .double($0.seconds) } ?? .null,
            "task_queues": .array(configuration.queues.map(JSONValue.string)),
            "task_acks_late": true,
            "task_reject_on_worker_lost": true,
        ]
    }

    /// `celery inspect stats`: the keys Flower's worker page reads.
    var stats: JSONValue {
        [
            "pid": .int(Int(getpid())), "clock": .string(String(clock.value)),
            "uptime": .int(Int(Date().timeIntervalSince(started))),
            "total": .object(JSONObject([("processed", .int(state.processed))])),
            "pool": [
                "max-concurrency": .int(configuration.concurrency),
                "processes": .array(state.processPIDs.map(JSONValue.int)),
                "implementation": "celerity:prefork",
            ],
            "broker": ["transport": "redis", "hostname": .string(configuration.redis.address)],
            "prefetch_count": .int(configuration.concurrency), "sw_ident": "celerity",
            "sw_ver": .string(CelerityVersion.current), "sw_sys": "Linux", "rusage": resourceUsage,
        ]
    }

    /// `celery inspect active_queues`: kombu's `Queue.as_dict(recurse=True)` for each consumed queue.
    var activeQueues: JSONValue {
        .array(configuration.queues.map { queue in
            [
                "name": .string(queue),
                "exchange": [
                    "name": .string(queue), "type": "direct", "arguments": nil, "durable": true, "passive": false,
                    "auto_delete": false, "delivery_mode": nil, "no_declare": false,
                ],
                "routing_key": .string(queue), "queue_arguments": nil, "binding_arguments": nil,
                "consumer_arguments": nil, "durable": true, "exclusive": false, "auto_delete": false, "no_ack": false,
                "alias": nil, "bindings": [], "no_declare": nil, "expires": nil, "message_ttl": nil, "max_length": nil,
                "max_length_bytes": nil, "max_priority": nil,
            ]
        })
    }

    /// `getrusage(RUSAGE_SELF)` of the supervisor, with Celery's field names.
    var resourceUsage: JSONValue {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return "N/A" }
        func seconds(_ time: timeval) -> JSONValue { .double(Double(time.tv_sec) + Double(time.tv_usec) / 1e6) }
        return [
            "utime": seconds(usage.ru_utime), "stime": seconds(usage.ru_stime), "maxrss": .int(usage.ru_maxrss),
            "ixrss": .int(usage.ru_ixrss), "idrss": .int(usage.ru_idrss), "isrss": .int(usage.ru_isrss),
            "minflt": .int(usage.ru_minflt), "majflt": .int(usage.ru_majflt), "nswap": .int(usage.ru_nswap),
            "inblock": .int(usage.ru_inblock), "oublock": .int(usage.ru_oublock), "msgsnd": .int(usage.ru_msgsnd),
            "msgrcv": .int(usage.ru_msgrcv), "nsignals": .int(usage.ru_nsignals), "nvcsw": .int(usage.ru_nvcsw),
            "nivcsw": .int(usage.ru_nivcsw),
        ]
    }

    /// Celery's `Request.info(safe)` for a running task: the arguments themselves, or with `safe` (or when they
    /// were too large to pass on) their reprs, at most 1,024 characters as Celery's `argsrepr`.
    func requestInfo(_ task: NodeSnapshot.Task, safe: Bool = false) -> JSONValue {
        let args = safe ? nil : task.args
        let kwargs = safe ? nil : task.kwargs
        return [
            "id": .string(task.id), "name": .string(task.name), "args": args ?? .string(task.argsrepr),
            "kwargs": kwargs ?? .string(task.kwargsrepr), "type": .string(task.name),
            "hostname": .string(configuration.nodeName), "time_start": .double(task.started.timeIntervalSince1970),
            "acknowledged": false, "delivery_info": ["exchange": "", "routing_key": .string(task.queue)],
            "worker_pid": task.pid.map(JSONValue.int) ?? .null,
        ]
    }

    /// `celery inspect query_task ID…`: `{id: ["active", info]}` for each id running on this node.
    func queryTask(_ ids: JSONValue?) -> JSONValue {
        let wanted: Set<String>
        switch ids {
        case .string(let id)?: wanted = [id]
        case .array(let list)?: wanted = Set(list.compactMap(\.stringValue))
        default: wanted = []
        }
        var reply = JSONObject()
        for task in state.active where wanted.contains(task.id) {
            reply[task.id] = ["active", requestInfo(task)]
        }
        return .object(reply)
    }
}
