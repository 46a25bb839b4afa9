/// How long an idle worker process blocks (`BLMOVE`) on one list before it looks at its other lists.
///
/// A message on the list waited on (``FetchOrder/idleList``: the one last taken from) is taken the moment it arrives, whatever
/// the wait. A message on any other queue or priority bucket is seen when the wait ends, so the wait bounds its
/// pickup: right after work it is short (``first``, 50 ms), and it doubles after each idle poll that took nothing,
/// up to ``longest`` (`--idle-poll-interval`, default 1 s). A poll that takes a message starts again at
/// ``first``. This keeps an idle node cheap for Redis (each poll costs a `BLMOVE` and a script run: 32 idle
/// processes at 50 ms were ~800 polls a second, 3.5 % of a core) while a burst on another queue is still seen
/// within 50–100 ms of the last task.
///
/// A wait also ends by `notAfter` (the next read of the node's settings), so a control command takes effect as
/// soon as without the backoff. Pure logic: the caller measures nothing, ``WorkerProcess`` asks it for each wait.
struct IdleWait: Equatable {
    /// The first wait after work (or ``longest`` when that is shorter).
    static let first: Duration = .milliseconds(50)
    /// The shortest wait Redis is asked for: `BLMOVE` reads a timeout of 0 as "forever".
    static let shortest: Duration = .milliseconds(1)

    /// The longest wait, reached after a run of empty polls (`--idle-poll-interval`).
    let longest: Duration
    /// The wait of the next poll, before the `notAfter` cap.
    private(set) var current: Duration
    /// Whether the last idle poll took nothing (no plain take is needed before the next: its script looked at
    /// every list after the wait, so an idle process runs one script per poll, not two).
    private(set) var idle = false

    init(longest: Duration) {
        self.longest = max(longest, Self.shortest)
        current = min(Self.first, self.longest)
    }

    /// The wait for the next idle poll: ``current``, ending no later than `notAfter` from now, at least ``shortest``.
    func next(notAfter: Duration) -> Duration {
        max(min(current, notAfter), Self.shortest)
    }

    /// After an idle poll: back to ``first`` when it took a message, else twice as long (at most ``longest``).
    mutating func record(tookMessages: Bool) {
        current = tookMessages ? min(Self.first, longest) : min(current * 2, longest)
        idle = !tookMessages
    }
}
