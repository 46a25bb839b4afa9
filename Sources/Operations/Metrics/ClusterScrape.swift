import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a ``ClusterSnapshot`` from Redis in one pipelined round trip, and remembers what it needs
/// between reads: the queue names it has discovered and the worker nodes it has seen (so a node that
/// died is reported down, not forgotten). Not thread-safe: one caller at a time.
///
/// Queues are the union of the configured ones, those bound in kombu's `_kombu.binding.*` sets (what
/// Celery clients declare; rescanned every minute) and those of every live node. A queue's length sums
/// its four priority buckets. The oldest-message age comes from ``QueueSampling``.
package final class ClusterScrape {
    private let connection: RedisConnection
    private let configuredQueues: [String]
    private let leaseTimeout: Duration
    private var bindingKeys: [String] = []
    private var boundQueues: Set<String> = []
    private var nodeQueues: Set<String> = []
    private var nextDiscovery = ContinuousClock.now
    /// Nodes seen alive, kept for ``forgetAfter`` after they were last seen so they are reported down.
    private var knownNodes: [String: (lastSeen: Date, info: WorkerInfo)] = [:]
    package static let forgetAfter: Double = 600
    package static let discoveryInterval = Duration.seconds(60)

    /// - Parameters:
    ///   - queues: the queues always reported (the node's own).
    ///   - leaseTimeout: a node that has not renewed its registration for this long is down.
    ///   - skippedFieldLogger: told once about each field of a metrics hash that is skipped.
    package init(
        connection: RedisConnection, queues: [String], leaseTimeout: Duration, skippedFieldLogger: ((String) -> Void)? = nil
    ) {
        self.skippedFieldLogger = skippedFieldLogger
        self.connection = connection
        self.configuredQueues = queues
        self.leaseTimeout = leaseTimeout
    }

    /// Reads the snapshot.
    /// - Throws: ``RedisError`` when Redis cannot be read.
    package func read(now: Date = Date()) throws(RedisError) -> ClusterSnapshot {
        if ContinuousClock.now >= nextDiscovery { try discover() }
        let queues = Array(Set(configuredQueues).union(boundQueues).union(nodeQueues)).sorted()
        let bucketKeys = queues.flatMap { queue in PriorityBuckets.steps.map { (queue, $0) } }
        var commands: [[String]] = [
            Self.eval(Self.liveNodes, keys: [WorkerKeys.workers], arguments: [String(now.timeIntervalSince1970)]),
            ["ZCARD", WorkerKeys.scheduled],
            ["ZRANGE", WorkerKeys.scheduled, "0", "0", "WITHSCORES"],
            ["ZCARD", WorkerKeys.deadLetterIndex],
            ["HGETALL", WorkerKeys.applicationMetrics],
            Self.eval(Self.schedules, keys: ["celerity:schedule:entries"], arguments: ["celerity:schedule:entry:"]),
            ["HGETALL", SentCounter.key],
            ["HGETALL", WorkerKeys.metricCatalog],
        ]
        commands += bindingKeys.map { ["SMEMBERS", $0] }
        for (queue, step) in bucketKeys {
            let key = PriorityBuckets.listKey(queue: queue, priority: step)
            commands.append(
                Self.eval(
                    QueueSampling.script,
                    keys: [key, QueueSampling.samplesKey(key), QueueArrivals.poppedKey(key), QueueArrivals.recordsKey(key)],
                    arguments: [String(now.timeIntervalSince1970)]
                )
            )
        }
        commands.append(["HMGET", OutboxReport.key] + OutboxReport.fields)  // Last, so the indexes above stay.
        let started = ContinuousClock.now
        let replies = try connection.pipeline(commands)
        let roundTrip = (ContinuousClock.now - started).seconds
        for case .error(let message) in replies {
            throw RedisError(code: .reply, message: "metrics read: \(message)", endpoint: connection.configuration.redactedURL)
        }

        // Worker nodes: alive ones from their registrations, dead ones from memory.
        let live = (replies[0].array ?? []).compactMap { $0.string.flatMap { try? JSONValue.parse($0) }.flatMap(WorkerInfo.init(json:)) }
        for info in live { knownNodes[info.node] = (info.lastSeen, info) }
        knownNodes = knownNodes.filter { now.timeIntervalSince($0.value.lastSeen) < Self.forgetAfter }
        let nodes = knownNodes.map { name, state in
            ClusterSnapshot.Node(
                name: name, up: now.timeIntervalSince(state.lastSeen) < leaseTimeout.seconds, lastSeen: state.lastSeen,
                info: state.info
            )
        }.sorted { $0.name < $1.name }
        nodeQueues = Set(live.flatMap(\.queues))

        let sent = boundedSent(replies[6].array ?? [])
        var index = 8
        var discovered = Set<String>()
        for _ in bindingKeys {
            discovered.formUnion((replies[index].array ?? []).compactMap { $0.string.flatMap(Self.queue(inBinding:)) })
            index += 1
        }
        boundQueues = discovered

        var byQueue: [String: ClusterSnapshot.Queue] = [:]
        for (queue, step) in bucketKeys {
            let parts = replies[index].array ?? []
            index += 1
            var entry = byQueue[queue] ?? ClusterSnapshot.Queue(name: queue, buckets: [:], oldestAge: nil, workers: 0, processes: 0, popped: 0)
            entry.buckets[step] = parts.first?.integer ?? 0
            if parts.count > 2 { entry.popped += parts[2].integer ?? 0 }
            if parts.count > 1, let seen = parts[1].string.flatMap(Double.init), seen > 0 {
                let age = max(0, now.timeIntervalSince1970 - seen)
                entry.oldestAge = max(entry.oldestAge ?? 0, age)
            }
            byQueue[queue] = entry
        }
        for node in nodes where node.up {
            for queue in node.info?.queues ?? [] {
                byQueue[queue]?.workers += 1
                byQueue[queue]?.processes += node.info?.concurrency ?? 0
            }
        }

        let (catalog, applicationMetrics) = readApplicationMetrics(values: replies[4].array ?? [], catalog: replies[7].array ?? [])

        let schedule = (replies[5].array ?? []).compactMap { reply -> ClusterSnapshot.ScheduleEntry? in
            let fields = (reply.array ?? []).map(\.string)
            guard fields.count == 5, let name = fields[0] else { return nil }
            return ClusterSnapshot.ScheduleEntry(
                name: name, task: fields[4], lastSlot: fields[1].flatMap(Double.init).map(Date.init(timeIntervalSince1970:)),
                enqueuedAt: fields[2].flatMap(CeleryTime.parse),
                nextSlot: fields[3].flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
            )
        }.sorted { $0.name < $1.name }

        let next = replies[2].array ?? []
        return ClusterSnapshot(
            time: now, queues: queues.compactMap { byQueue[$0] }, nodes: nodes, etaMessages: replies[1].integer ?? 0,
            etaNextDue: next.count == 2 ? next[1].string.flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) : nil,
            deadLetters: replies[3].integer ?? 0, schedule: schedule, metricCatalog: catalog,
            applicationMetrics: applicationMetrics, sent: sent, roundTrip: roundTrip,
            outbox: OutboxReport(values: (replies.last?.array ?? []).map(\.string)),
            flow: try FlowReport.read(on: connection)  // flow: a second round trip, docs/flow-control.md
        )
    }

    /// Label values of `celery_task_sent_total` passed so far; later new ones become `other`. Fields are
    /// offered in sorted order, so nodes agree on which pass, and a value that passed once always passes:
    /// every series, `other` included, only grows.
    private var sentNames = LabelLimiter(limit: 200)
    private var sentSenders = LabelLimiter(limit: 100)
    private var sentQueues = LabelLimiter(limit: 100)

    /// The sent-counter hash (`HGETALL` reply) as bounded series.
    private func boundedSent(_ pairs: [RedisReply]) -> [ClusterSnapshot.SentSeries: Int] {
        var fields: [(String, Int)] = []
        for pair in stride(from: 0, to: pairs.count - 1, by: 2) {
            guard let field = pairs[pair].string else { continue }
            // A counter only grows: a negative count (a typo's HINCRBY) would trap swift-prometheus's `increment`.
            guard let count = pairs[pair + 1].string.flatMap(Int.init), count >= 0 else {
                skipped(field: field, in: SentCounter.key)
                continue
            }
            fields.append((field, count))
        }
        var sent: [ClusterSnapshot.SentSeries: Int] = [:]
        for (field, count) in fields.sorted(by: { $0.0 < $1.0 }) {
            guard let parts = SentCounter.parts(ofField: field) else { continue }
            let series = ClusterSnapshot.SentSeries(
                queue: sentQueues.value(parts.queue), name: sentNames.value(parts.name), hostname: sentSenders.value(parts.sender)
            )
            let (total, overflow) = sent[series, default: 0].addingReportingOverflow(count)
            sent[series] = overflow ? Int.max : total
        }
        return sent
    }

    /// The application metrics' catalog and values (`HGETALL` replies), each value checked against its declaration:
    /// a finite number (only a gauge's or a histogram sum's may be negative), at most ``MetricDeclaration/maxSeries`` label sets per
    /// metric, in field order. Anything else is skipped and logged once.
    private func readApplicationMetrics(
        values: [RedisReply], catalog entries: [RedisReply]
    ) -> (catalog: [String: MetricDeclaration], values: [MetricSeries: Double]) {
        var catalog: [String: MetricDeclaration] = [:]
        for pair in stride(from: 0, to: entries.count - 1, by: 2) {
            guard let name = entries[pair].string else { continue }
            guard let json = entries[pair + 1].string.flatMap({ try? JSONValue.parse($0) }),
                let declaration = MetricDeclaration(name: name, json: json)
            else {
                skipped(field: name, in: WorkerKeys.metricCatalog)
                continue
            }
            catalog[name] = declaration
        }
        var fields: [(String, String?)] = []
        for pair in stride(from: 0, to: values.count - 1, by: 2) {
            if let field = values[pair].string { fields.append((field, values[pair + 1].string)) }
        }
        var series: [MetricSeries: Double] = [:]
        var labelSets: [String: Set<[String]>] = [:]
        for (field, text) in fields.sorted(by: { $0.0 < $1.0 }) {
            guard case let (parsed, declaration)? = MetricSeries.parse(field: field, catalog: catalog),
                let value = text.flatMap(Double.init), value.isFinite,
                value >= 0 || declaration.kind == .gauge || parsed.name == declaration.name + "_sum"
            else {
                skipped(field: field, in: WorkerKeys.applicationMetrics)
                continue
            }
            let labelSet = parsed.labels.filter { $0.0 != "le" }.map(\.1)
            if labelSets[declaration.name, default: []].contains(labelSet) == false {
                guard labelSets[declaration.name, default: []].count < MetricDeclaration.maxSeries else {
                    skipped(field: field, in: WorkerKeys.applicationMetrics)
                    continue
                }
                labelSets[declaration.name, default: []].insert(labelSet)
            }
            series[parsed] = value
        }
        return (catalog, series)
    }

    /// Fields of `celerity:metrics:*` hashes that are not in this version's catalogue, each reported once.
    package private(set) var skippedFields: Set<String> = []
    private let skippedFieldLogger: ((String) -> Void)?

    private func skipped(field: String, in key: String) {
        guard skippedFields.count < 1000, skippedFields.insert(key + " " + field).inserted else { return }
        skippedFieldLogger?("skipping field \"\(field.prefix(200))\" of \(key): not a declared series with a valid value (another Celerity version, a script, a typo, or over \(MetricDeclaration.maxSeries) label sets)")
    }

    /// Rescans kombu's binding sets (SCAN, not KEYS: the broker's Redis may hold millions of result keys).
    private func discover() throws(RedisError) {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try connection.send(["SCAN", cursor, "MATCH", "_kombu.binding.*", "COUNT", "1000"])
            let parts = reply.array ?? []
            guard parts.count == 2 else { break }
            cursor = parts[0].string ?? "0"
            keys += (parts[1].array ?? []).compactMap(\.string)
        } while cursor != "0"
        bindingKeys = keys.sorted()
        let members = try connection.pipeline(bindingKeys.map { ["SMEMBERS", $0] })
        boundQueues = Set(members.flatMap { reply in (reply.array ?? []).compactMap { $0.string.flatMap(Self.queue(inBinding:)) } })
        nextDiscovery = ContinuousClock.now + Self.discoveryInterval
    }

    /// The queue of a kombu binding member: `routing_key \x06\x16 pattern \x06\x16 queue`.
    package static func queue(inBinding member: String) -> String? {
        guard let queue = member.components(separatedBy: PriorityBuckets.separator).last, !queue.isEmpty else { return nil }
        return queue
    }

    private static func eval(_ script: RedisScript, keys: [String], arguments: [String]) -> [String] {
        ["EVAL", script.source, String(keys.count)] + keys + arguments
    }

    /// KEYS[1] the worker-node sorted set; ARGV[1] now. Returns the registration JSON of every node
    /// whose registration has not expired (the keys are derived from the set, as `celerity workers` does).
    package static let liveNodes = RedisScript(
        name: "celerity.metrics.nodes",
        source: """
            local names = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
            local out = {}
            for _, name in ipairs(names) do
                local value = redis.call('GET', 'celerity:worker:' .. name)
                if value then out[#out + 1] = value end
            end
            return out
            """
    )

    /// KEYS[1] the schedule-entry set; ARGV[1] the entry-hash prefix. Returns, per entry,
    /// {name, last_slot, enqueued_at, next_slot, task}.
    package static let schedules = RedisScript(
        name: "celerity.metrics.schedules",
        source: """
            local out = {}
            for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
                local values = redis.call('HMGET', ARGV[1] .. name, 'last_slot', 'enqueued_at', 'next_slot', 'task')
                out[#out + 1] = {name, values[1], values[2], values[3], values[4]}
            end
            return out
            """
    )
}
