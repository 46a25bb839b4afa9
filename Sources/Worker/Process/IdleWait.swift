#if canImport(Glibc)
import Glibc
#endif
// timespec: see PosixThread.swift (a release build attributes its initializer to SwiftOverlayShims).
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// How long an idle worker process blocks (`BLMOVE`) on one list before it looks at its other lists.
///
/// A message on the list waited on (``FetchOrder/idleList``, spread over the node's processes by ``IdleSlot``) is
/// taken the moment it arrives, whatever the wait. A message on any other queue or priority bucket is seen when a
/// wait ends (the script after it looks at every list), so the waits bound its pickup: right after work a wait is
/// short (``first``, 50 ms), and it doubles after each idle poll that took nothing, up to ``longest``.
///
/// The node's processes take turns: ``longest`` is `--idle-poll-interval` × the node's processes (at most
/// ``settingsRead``, 1 s), and at that length process `k`'s waits end at its turn, `k`/`processes` of the way
/// through each round of a clock all processes share (`CLOCK_MONOTONIC`). So a fully idle node looks at all its
/// lists once per `--idle-poll-interval` (0.25 s by default) at the cost of one poll per interval, not one per
/// process: 16 idle nodes × 2 processes make 64 polls a second, each a `BLMOVE` and one script run.
///
/// No wait is longer than ``settingsRead`` (but for ``turnTolerance``): each idle poll also reads the node's
/// settings (in its round trip), so control commands take effect within about a second, as on a busy process.
/// Pure logic: the caller reads the clock (``monotonicNow()``) and ``WorkerProcess`` asks it for each wait.
struct IdleWait: Equatable {
    /// The first wait after work (or ``longest`` when that is shorter).
    static let first: Duration = .milliseconds(50)
    /// The shortest wait Redis is asked for: `BLMOVE` reads a timeout of 0 as "forever".
    static let shortest: Duration = .milliseconds(1)
    /// How often a worker process reads its node's settings (``NodeSettingsReader``): the longest wait.
    static let settingsRead: Duration = .seconds(1)
    /// A turn this close ahead (or an eighth of ``longest``, when less) counts as the one just taken (a `BLMOVE`
    /// timeout may end a moment early): the wait runs to the next one.
    static let turnTolerance: Duration = .milliseconds(10)

    /// The longest wait: `--idle-poll-interval` × the node's processes, at most ``settingsRead`` (so an interval
    /// above 1 s acts as 1 s, as it did when every wait ended at the next settings read).
    let longest: Duration
    /// Where in each round of ``longest`` this process's longest waits end: its share of the round.
    let turn: Duration
    /// The wait of the next poll during the ramp.
    private(set) var current: Duration
    /// Whether the last idle poll took nothing (no plain take is needed before the next: its script looked at
    /// every list after the wait, so an idle process runs one script per poll, not two).
    private(set) var idle = false

    /// The waits of process `slot` of a node whose idle processes together look at all lists every `interval`.
    init(interval: Duration, slot: IdleSlot = .single) {
        let interval = max(interval, Self.shortest)
        longest = min(interval * slot.processes, Self.settingsRead)
        turn = longest * slot.index / slot.processes
        current = min(Self.first, longest)
    }

    /// Whether the waits have grown to ``longest`` (they then end at this process's turn).
    var atLongest: Bool { current >= longest }

    /// The wait for the next idle poll, at least ``shortest``: during the ramp ``current``; at ``longest``, until this
    /// process's next turn, `now` being ``monotonicNow()``.
    func next(now: Duration) -> Duration {
        guard atLongest else { return max(current, Self.shortest) }
        let round = Self.nanoseconds(longest)
        var untilTurn = (Self.nanoseconds(turn) - Self.nanoseconds(now) % round) % round
        if untilTurn < 0 { untilTurn += round }
        if untilTurn < Self.nanoseconds(min(Self.turnTolerance, longest / 8)) { untilTurn += round }
        return max(.nanoseconds(untilTurn), Self.shortest)
    }

    /// After an idle poll: back to ``first`` when it took a message, else twice as long (at most ``longest``).
    mutating func record(tookMessages: Bool) {
        current = tookMessages ? min(Self.first, longest) : min(current * 2, longest)
        idle = !tookMessages
    }

    /// The time on `CLOCK_MONOTONIC`, which every process of the machine shares (the node's turns are on it).
    static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
