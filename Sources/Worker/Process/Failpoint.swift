#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Crash points for the crash tests: with `CELERITY_TEST_KILL_AT=<point>:<marker path>` in its environment, a worker
/// process SIGKILLs itself when it reaches `point`, once per marker (the marker file is created with `O_EXCL`, so
/// the re-run of the recovered message passes). Unset in production: one environment lookup per call.
enum Failpoint {
    /// Right after a chord member's join claimed the chord, before the body is sent.
    static let chordJoined = "chord-joined"

    private static let setting: (point: Substring, marker: String)? = {
        guard let value = ProcessInfo.processInfo.environment["CELERITY_TEST_KILL_AT"], let colon = value.firstIndex(of: ":")
        else { return nil }
        return (value[..<colon], String(value[value.index(after: colon)...]))
    }()

    /// SIGKILLs this process if the environment asks for it at `point` and it has not happened yet.
    static func killIfRequested(at point: String) {
        guard let setting, setting.point == point else { return }
        let descriptor = open(setting.marker, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else { return }
        close(descriptor)
        kill(getpid(), SIGKILL)
    }
}
