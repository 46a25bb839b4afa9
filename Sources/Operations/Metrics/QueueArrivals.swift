import Broker

/// Queue wait for every message, although a Celery message carries no enqueue time: arrival counting.
///
/// Per ready list, Celerity's fetch counts the messages it pops (`celerity:popped:<list>`, `INCR` in the
/// fetch script, which returns the count: the message's *pop number* k). `popped + LLEN` is then the number
/// of messages that ever arrived on the list, A(t). Every read of the list (each node samples its own lists
/// every second, and every `/metrics` scrape, `celerity status` and alerter read samples all of them) records A
/// with the time in `celerity:arrivals:<list>`: records `"<A> <first seen> <last seen>"`, newest first. Lists
/// are FIFO (LPUSH, pop from the right), so the message popped as number k is the k-th arrival: it arrived
/// after the last sighting of the record before the first one with A ≥ k, and before that record's first
/// sighting. The estimate spreads the bracket's arrivals evenly over it; wait = start − estimate.
///
/// Error: the true arrival lies in the bracket, so the wait is off by at most the bracket's width: about the
/// sampling interval (1 s while a node consuming the queue runs; the scrape interval otherwise). Observations
/// whose bracket is wider than ``maxBracket`` seconds are skipped, as are messages that arrived before the
/// first record, or before the oldest one a node remembers (``History/keep``: half an hour or more). When A
/// goes down by more than ``dipTolerance`` (a purge, a consumer that does not count, such as a Celery
/// worker) the records start again; a smaller drop skips the sample. A message recovered from a dead process goes back to the front and its pop is
/// un-counted (`DECR`), so the numbering holds. Due ETA messages put at the front (RPUSH) shift the numbering
/// of the messages queued behind them by one each, until the backlog has drained.
package enum QueueArrivals {
    /// The pop counter of a ready list.
    package static func poppedKey(_ list: String) -> String { "celerity:popped:" + list }
    /// The arrival records of a ready list.
    package static func recordsKey(_ list: String) -> String { "celerity:arrivals:" + list }

    /// Records kept in Redis (about 16 minutes of a list that changes every sample, far more for a quiet one).
    package static let maxRecords = 2000
    /// Seconds: a new record is made at most this often.
    package static let minSpacing = 0.5
    /// A smaller drop of A is skipped, not a reason to start again: the idle fetch's `BLMOVE` and its count
    /// are two commands, so a read between them sees A short by one for each process doing it.
    package static let dipTolerance = 16
    /// Seconds: a wider bracket says too little about when a message arrived.
    package static let maxBracket = 60.0

    /// Lua `record_arrivals(list, popped, records, now)`: records A(now); returns A.
    package static let recordFunction = """
        local function record_arrivals(list, popped, records, now)
          local a = (tonumber(redis.call('GET', popped)) or 0) + redis.call('LLEN', list)
          local newest = redis.call('LINDEX', records, 0)
          if newest then
            local count, first, last = string.match(newest, '^(%d+) (%S+) (%S+)$')
            count = tonumber(count)
            if count == a then
              if tonumber(now) > tonumber(last) then redis.call('LSET', records, 0, a .. ' ' .. first .. ' ' .. now) end
              return a
            end
            if count ~= nil and count > a and count - a <= \(dipTolerance) then
              return a  -- an idle fetch between its BLMOVE and its count: A is short for a moment
            elseif count == nil or count > a then
              redis.call('DEL', records)
            elseif tonumber(now) - tonumber(first) < \(minSpacing) then
              return a  -- at most two records a second, however many readers: skipping a sample only widens a bracket
            end
          end
          redis.call('LPUSH', records, a .. ' ' .. now .. ' ' .. now)
          redis.call('LTRIM', records, 0, \(maxRecords - 1))
          return a
        end

        """

    /// A node's per-second sample of its lists, in one call (by cached SHA, as every script): records A of each
    /// list and returns each list's newest records, in the order of the lists.
    /// KEYS: list, pop counter, records — for each list. ARGV: now, how many records to return per list.
    package static let sample = RedisScript(
        name: "celerity.metrics.arrivals",
        source: recordFunction + """
            local newest = {}
            for i = 1, #KEYS, 3 do
              record_arrivals(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[1])
              newest[#newest + 1] = redis.call('LRANGE', KEYS[i + 2], 0, tonumber(ARGV[2]) - 1)
            end
            return newest
            """
    )

    /// One record: A was `count` from `first` to `last` (Unix seconds).
    package struct Record: Sendable, Equatable {
        package var count: Int
        package var first: Double
        package var last: Double

        package init(count: Int, first: Double, last: Double) {
            (self.count, self.first, self.last) = (count, first, last)
        }

        package init?(_ text: String) {
            let parts = text.split(separator: " ")
            guard parts.count == 3, let count = Int(parts[0]), let first = Double(parts[1]), let last = Double(parts[2]) else { return nil }
            self.init(count: count, first: first, last: last)
        }
    }

    /// What is known about one list's arrivals, oldest record first.
    package struct History: Sendable {
        private(set) var records: [Record] = []
        package static let keep = 4000

        package init() {}

        /// Merges records read from Redis (newest first); starts again when A went down.
        package mutating func merge(newestFirst incoming: [Record]) {
            let ascending = Array(incoming.reversed())
            guard let oldest = ascending.first, let newest = ascending.last else { return }
            if let known = records.last, newest.count < known.count {
                records = ascending
                return
            }
            records.removeAll { $0.count >= oldest.count }
            records += ascending
            if records.count > Self.keep { records.removeFirst(records.count - Self.keep) }
        }

        package enum Estimate: Equatable {
            /// Not sampled since the message arrived: ask again after the next sample.
            case pending
            /// Arrived before the first record, or in a bracket wider than ``maxBracket``.
            case unknown
            /// Arrived at `time`, give or take `error` seconds.
            case arrived(time: Double, error: Double)
        }

        /// When the message popped as number `k` arrived, given that it was popped (started) at `started`.
        package func arrival(ofPop k: Int, started: Double) -> Estimate {
            guard let index = records.firstIndex(where: { $0.count >= k }) else { return .pending }
            guard index > 0 else { return .unknown }
            let before = records[index - 1]
            let after = records[index]
            let lower = before.last
            let upper = max(lower, min(after.first, started))
            let bracket = upper - lower
            guard bracket <= QueueArrivals.maxBracket else { return .unknown }
            let position = (Double(k - before.count) - 0.5) / Double(after.count - before.count)
            return .arrived(time: lower + position * bracket, error: bracket)
        }
    }
}
