import Foundation
import FuzzDriver
import Scheduler

/// ScheduleFile.parse: every input is a schedule or a ScheduleFileError listing its problems.
@_cdecl("FuzzScheduleFile_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzScheduleFile(data, size) }
}

func fuzzScheduleFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let schedule = try ScheduleFile.parse(yaml: text, path: "fuzz.yaml", now: Date(timeIntervalSince1970: 1_790_000_000))
        _ = schedule.describeNextRuns(count: 2, now: Date(timeIntervalSince1970: 1_790_000_000))
    } catch {
        precondition(!error.diagnostics.isEmpty, "a ScheduleFileError without a problem")
    }
    return 0
}
