import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything a worker node needs; every field has a documented default.
public struct WorkerConfiguration: Sendable {
    /// Where Redis is.
    public var redis: RedisConfiguration
    /// The queues to consume, in priority order for fairness rotation. Default `["celery"]`.
    public var queues: [String] = ["celery"]
    /// Worker processes. Default: the number of cores.
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Grow and shrink the pool with the load between these bounds (Celery's `--autoscale MAX,MIN`); `nil`
    /// runs ``concurrency`` processes. Default `nil`.
    public var autoscale: AutoscaleRange?
    /// How long an autoscaled pool must have idle processes and nothing ready before it shrinks (Celery's
    /// `AUTOSCALE_KEEPALIVE`). Default 30 s.
    public var autoscaleKeepalive: Duration = .seconds(30)
    /// This node's name, as shown by `celerity workers` and in results. Default `celerity.<pid>@<host>`.
    public var nodeName: String = "celerity.\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)"
    /// How long a process's lease lasts without renewal. Default 10 s.
    public var leaseTimeout: Duration = .seconds(10)
    /// How often the supervisor renews its processes' leases and its registration. Default 2 s.
    public var heartbeatInterval: Duration = .seconds(2)
    /// How often a supervisor looks for dead processes of other nodes. Default 5 s, so a dead node's
    /// messages return to their queues within lease + interval (15 s by default).
    public var reapInterval: Duration = .seconds(5)
    /// A message delivered this many times to processes that all died goes to the dead-letter queue. Default 3.
    public var maxDeliveries: Int = 3
    /// How often a node looks for due ETA messages besides the due times its own processes report (those it
    /// promotes when they are due): the safety net for ETAs parked by a node that died, which are so promoted at
    /// most this long after they are due. Default 1 s (`--eta-poll-interval`, `CELERITY_ETA_POLL_INTERVAL`).
    public var scheduledPollInterval: Duration = .seconds(1)
    /// How long a warm shutdown waits for running tasks. Default 30 s.
    public var shutdownTimeout: Duration = .seconds(30)
    /// Where results go, and for how long.
    public var results = ResultBackend()
    /// Which queue a worker process takes from first (Celery's `queue_order_strategy`). Default round robin.
    public var queueOrderStrategy: QueueOrderStrategy = .roundRobin
    /// Store STARTED when a task starts (Celery's `task_track_started`). Default off.
    public var trackStarted = false
    /// Publish Celery task events (`task-received`, `task-started`, `task-succeeded`, …; Celery's `-E`). Default off.
    public var sendTaskEvents = false
    /// Write Celery's extended result fields (name, args, kwargs, worker, retries, queue; Celery's
    /// `result_extended`). Default off, as Celery's.
    public var extendedResults = false
    /// The largest envelope a worker process decodes; a larger one is dead-lettered with only an excerpt of
    /// its headers kept. Default 16 MiB (`CELERITY_MAX_MESSAGE_BYTES`).
    public var maxMessageBytes = MessageLimits.defaultMaxBytes
    /// The dead-letter queue's caps.
    public var deadLetters = DeadLetterQueue()
    /// How often a fully idle node looks at all its lists (``IdleWait``, ``IdleSlot``): each idle process waits on one
    /// list (50 ms after work, doubling after each empty poll) up to this × the node's processes, at most 1 s, the
    /// processes taking turns; so the bound on how soon an idle node sees a message on a list none of its processes
    /// waits on. A message on a list one waits on is taken at once. Default 0.25 s (`--idle-poll-interval`,
    /// `CELERITY_IDLE_POLL_INTERVAL`).
    public var idlePollInterval: Duration = .milliseconds(250)
    /// The most messages a worker process takes into its processing list in one step when its queue has a
    /// backlog: half the queue's length, at least 1 and at most this, so a shallow queue is taken one message
    /// at a time (latency as without batching). 1 turns batching off. Default 32.
    public var prefetchBatch = 32
    /// How long a task may run before its process hands back the rest of its batch (to the head of the queue,
    /// in order, for another process) and stores the results of the tasks before it. Default 2 ms. Independently,
    /// a batch's revocation check is repeated before its next task starts once it is older than 2 ms (or this).
    public var batchHold: Duration = .milliseconds(2)
    /// A worker process recycles itself after this many tasks (``Recycling``); `nil` = never. Default `nil`.
    public var maxTasksPerChild: Int? = nil
    /// A worker process recycles itself after a task that leaves it above this many MiB resident; `nil` = never.
    public var maxMemoryPerChild: Int? = nil
    /// MiB of resident memory a process may reach while it runs a task; past it the supervisor kills the process
    /// and dead-letters the task with reason `memory` (``TaskMemoryLimit``). `nil` = no limit. Default `nil`.
    public var taskMemoryLimit: Int? = nil
    /// MiB of resident memory all of the node's worker processes may use together; the pool never grows past it
    /// (``MemoryBudget``). `nil` = no budget. Default `nil`.
    public var memoryBudget: Int? = nil
    /// The first delay before restarting a process that exited; doubles up to ``restartBackoffCap``.
    public var restartBackoff: Duration = .milliseconds(100)
    /// The longest delay before restarting a process.
    public var restartBackoffCap: Duration = .seconds(10)
    /// Where the supervisor serves `/metrics`, `/healthz` and the status page; `nil` disables it.
    /// Default 127.0.0.1:9808 (celery-exporter's port).
    public var metricsAddress: MetricsAddress? = .standard
    /// Whether failing to bind ``metricsAddress`` stops the worker (an address given explicitly) or
    /// only logs an error (the default address, which another node on the host may hold). Default `false`.
    public var metricsAddressRequired = false

    public init(redis: RedisConfiguration) {
        self.redis = redis
    }
}
