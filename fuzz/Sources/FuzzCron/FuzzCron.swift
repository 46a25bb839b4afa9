import Foundation
import FuzzDriver
import Scheduler

/// CronExpression: every input parses or throws CronParseError; an expression that parses is then used in a
/// schedule, which computes its next runs (a hang there is what libFuzzer's -timeout catches).
@_cdecl("FuzzCron_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzCron(data, size) }
}

func fuzzCron(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard (try? CronExpression(text)) != nil, !text.contains("\""), !text.contains("\\"), !text.contains("\n") else { return 0 }
    let yaml = "entries:\n  - name: e\n    task: t\n    cron: \"\(text)\"\n"
    if let schedule = try? ScheduleFile.parse(yaml: yaml, path: "fuzz.yaml", now: Date(timeIntervalSince1970: 1_790_000_000)) {
        _ = schedule.describeNextRuns(count: 3, now: Date(timeIntervalSince1970: 1_790_000_000))
    }
    return 0
}
