import Broker
import Foundation
import Testing
@testable import Scheduler

@Suite struct ScheduleFileTests {
    let now = utc("2026-11-23T12:00:00Z")

    func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try ScheduleFile.parse(yaml: yaml, path: "deploy/schedule.yaml", now: now)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func parsesEveryKey() throws {
        let yaml = """
            timezone: Europe/Madrid
            entries:
              - name: pg-backup
                task: backups.postgres
                cron: "0 2 * * *"
                args: [1, "full", true, null, 2.5, [3]]
                kwargs: {keep: 7, target: {bucket: b1}}
                queue: backups
                priority: 5
                expires: 10m
                catch_up: all
              - name: heartbeat
                task: demo.ping
                every: 1h30m
                timezone: UTC
                catch_up: skip
            """
        let schedule = try ScheduleFile.parse(yaml: yaml, path: "s.yaml", now: now)
        #expect(schedule.timeZone.identifier == "Europe/Madrid")
        #expect(schedule.entries.map(\.name) == ["pg-backup", "heartbeat"])
        let backup = try #require(schedule["pg-backup"])
        #expect(backup.task == "backups.postgres")
        #expect(backup.recurrence == .cron(try CronExpression("0 2 * * *")))
        #expect(backup.args == [1, "full", true, nil, 2.5, [3]])
        #expect(backup.kwargs == ["keep": 7, "target": ["bucket": "b1"]])
        #expect(backup.queue == "backups")
        #expect(backup.priority == 5)
        #expect(backup.expires == Interval(seconds: 600))
        #expect(backup.catchUp == .all)
        #expect(backup.timeZone.identifier == "Europe/Madrid")
        #expect(backup.line == 3)
        let heartbeat = try #require(schedule["heartbeat"])
        #expect(heartbeat.recurrence == .every(Interval(seconds: 5400)))
        #expect(heartbeat.timeZone.secondsFromGMT() == 0)
        #expect(heartbeat.queue == "celery")
        #expect(heartbeat.priority == 0)
        #expect(heartbeat.expires == nil)
        #expect(heartbeat.catchUp == .skip)
    }

    @Test func defaultsToUTCAndOnce() throws {
        let schedule = try ScheduleFile.parse(yaml: "entries:\n  - {name: a, task: t, cron: '@daily'}\n", path: "s", now: now)
        #expect(schedule.entries[0].timeZone.secondsFromGMT(for: now) == 0)
        #expect(schedule.entries[0].catchUp == .once)
    }

    @Test func reportsCronFieldAtItsColumn() {
        let yaml = """
            entries:
              - name: pg-backup
                task: backups.postgres
                cron: "0 61 * * *"
              - name: plain
                task: t
                cron: 0 2 * jnu *
            """
        #expect(diagnostics(yaml) == [
            "deploy/schedule.yaml:4:14: entry \"pg-backup\": cron hour field \"61\" is out of range 0-23",
            "deploy/schedule.yaml:7:17: entry \"plain\": cron month field \"jnu\" has \"jnu\", which is not a number or month name (jan-dec)",
        ])
    }

    @Test func reportsAllErrorsNotOnlyTheFirst() {
        let yaml = """
            timezone: America/New_York
            entries:
              - name: pg-backup
                task: backups.postgres
                cron: "61 2 * * *"
              - name: pg-backup
                task: other
                every: 5m
              - name: bad-zone
                task: t
                every: 5x
                timezone: Mars/Olympus
                kwarg: {}
              - name: no-task
                cron: "0 0 * * *"
              - task: nameless
                every: 30
              - name: both
                task: t
                cron: "@hourly"
                every: 1h
              - name: never
                task: t
                cron: "0 0 30 feb *"
              - name: neither
                task: t
                priority: 12
                catch_up: sometimes
            """
        #expect(diagnostics(yaml) == [
            "deploy/schedule.yaml:5:12: entry \"pg-backup\": cron minute field \"61\" is out of range 0-59",
            "deploy/schedule.yaml:6:11: entry \"pg-backup\": duplicate name; the first entry with this name is on line 3; names must be unique, since a slot is identified by (name, time)",
            "deploy/schedule.yaml:11:12: entry \"bad-zone\": every \"5x\" has \"x\", which is not a unit (d, h, m, s); write a number and a unit, e.g. 30s, 5m, 1h, 1h30m or 2d",
            "deploy/schedule.yaml:12:15: entry \"bad-zone\": timezone \"Mars/Olympus\" is not a known IANA time zone (names look like Europe/Madrid; see /usr/share/zoneinfo)",
            "deploy/schedule.yaml:13:5: entry \"bad-zone\": unknown key \"kwarg\"; did you mean \"kwargs\"?; entry keys are name, task, cron, every, timezone, args, kwargs, queue, priority, expires, catch_up",
            "deploy/schedule.yaml:14:5: entry \"no-task\": missing `task:`; give the Celery task name to send, e.g. `task: backups.postgres`",
            "deploy/schedule.yaml:16:5: entry 5: missing `name:`; every entry needs a unique name",
            "deploy/schedule.yaml:17:12: entry 5: every \"30\" needs a unit; write 30s, 30m or 30h",
            "deploy/schedule.yaml:21:5: entry \"both\": has both `cron:` and `every:`; keep one",
            "deploy/schedule.yaml:24:11: entry \"never\": cron expression \"0 0 30 feb *\" never runs: no date in the next 30 years matches it (is the day valid for the month?)",
            "deploy/schedule.yaml:25:5: entry \"neither\": missing `cron:` or `every:`; say when it runs, e.g. `cron: \"0 2 * * *\"` or `every: 5m`",
            "deploy/schedule.yaml:27:15: entry \"neither\": `priority:` must be a whole number 0-9 (lower runs first), not \"12\"",
            "deploy/schedule.yaml:28:15: entry \"neither\": `catch_up:` must be skip, once or all, not \"sometimes\"",
        ])
    }

    @Test func errorDescriptionEndsWithWhatToDo() {
        do {
            _ = try ScheduleFile.parse(yaml: "entries:\n  - name: a\n", path: "x.yaml", now: now)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasSuffix("x.yaml: 2 errors; fix them and run `celerity schedule check x.yaml` again"))
        }
    }

    @Test func timeZoneHints() {
        let yaml = """
            timezone: america/new_york
            entries:
              - {name: a, task: t, every: 1m, timezone: Buenos_Aires}
            """
        #expect(diagnostics(yaml) == [
            "deploy/schedule.yaml:1:11: timezone \"america/new_york\" is not a known IANA time zone; did you mean America/New_York? (names look like Europe/Madrid; see /usr/share/zoneinfo)",
            "deploy/schedule.yaml:3:45: entry \"a\": timezone \"Buenos_Aires\" is not a known IANA time zone; did you mean America/Argentina/Buenos_Aires? (names look like Europe/Madrid; see /usr/share/zoneinfo)",
        ])
    }

    @Test func unquotedCronIsAYAMLErrorWithAHint() {
        let found = diagnostics("entries:\n  - name: a\n    task: t\n    cron: */5 * * * *\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("deploy/schedule.yaml:4:") == true)
        #expect(found.first?.contains("quote cron expressions") == true)
    }

    @Test func topLevelShapeErrors() {
        #expect(diagnostics("- a\n- b\n") == [
            "deploy/schedule.yaml:1:1: the schedule must be a mapping with `timezone:` (optional) and `entries:` (a list)"
        ])
        #expect(diagnostics("timezone: UTC\nentrys: []\n") == [
            "deploy/schedule.yaml:1:1: the schedule has no `entries:` list",
            "deploy/schedule.yaml:2:1: unknown top-level key \"entrys\"; did you mean \"entries\"?; the file has `timezone:` and `entries:`; entry keys go under `entries:`",
        ])
        #expect(diagnostics("entries:\n  name: a\n") == [
            "deploy/schedule.yaml:2:3: `entries:` must be a list of entries, each starting with \"- name:\""
        ])
        #expect(diagnostics("entries:\n  - name: a\n    name: b\n").first?.contains("duplicate key \"name\"") == true)
    }

    @Test func emptyEntriesIsValid() throws {
        #expect(try ScheduleFile.parse(yaml: "entries: []\n", path: "s", now: now).entries.isEmpty)
        #expect(try ScheduleFile.parse(yaml: "entries:\n", path: "s", now: now).entries.isEmpty)
    }

    @Test func missingFileSaysSo() {
        do {
            _ = try ScheduleFile.load(path: "/nonexistent/schedule.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.first?.description.hasPrefix("/nonexistent/schedule.yaml: cannot read the schedule file") == true)
        }
    }

    @Test func exampleScheduleIsValid() throws {
        let schedule = try ScheduleFile.load(path: packageRoot() + "/deploy/schedule.yaml", now: now)
        #expect(schedule.timeZone.identifier == "America/Argentina/Buenos_Aires")
        #expect(Set(schedule.entries.map(\.task)) == ["backups.postgres", "backups.redis", "backups.config", "backups.verify", "inflation.update", "secrets.rotate_jwt"])
        for entry in schedule.entries { #expect(entry.timeZone.identifier == "America/Argentina/Buenos_Aires") }
        let backup = try #require(schedule.entries.first { $0.task == "backups.postgres" })
        #expect(iso([backup.slots.nextSlot(after: now)!]) == ["2026-11-24T05:00:00Z"])  // 02:00 -03:00
        let verify = try #require(schedule.entries.first { $0.task == "backups.verify" })
        #expect(TimeFormat.local(verify.slots.nextSlot(after: now)!, in: verify.timeZone) == "2026-11-29 03:00:00 -03:00 Sun")
        let redis = try #require(schedule.entries.first { $0.task == "backups.redis" })
        let gaps = redis.slots.nextSlots(after: now, count: 5).map { $0.timeIntervalSince1970 }
        #expect(zip(gaps, gaps.dropFirst()).allSatisfy { $1 - $0 == 6 * 3600 })
    }

    @Test func checkOutputListsNextRunsInZoneAndUTC() throws {
        let yaml = """
            timezone: America/Argentina/Buenos_Aires
            entries:
              - name: pg-backup
                task: backups.postgres
                cron: "0 2 * * *"
                queue: backups
                expires: 2h
              - name: tick
                task: demo.tick
                every: 30s
                timezone: UTC
                priority: 9
                kwargs: {n: 1}
            """
        let schedule = try ScheduleFile.parse(yaml: yaml, path: "deploy/schedule.yaml", now: now)
        #expect(schedule.describeNextRuns(count: 3, now: now) == """
            deploy/schedule.yaml: 2 entries, valid; default time zone America/Argentina/Buenos_Aires

            pg-backup: backups.postgres, cron "0 2 * * *" in America/Argentina/Buenos_Aires, queue backups, expires 2h after the slot, catch_up once
              2026-11-24 02:00:00 -03:00 Tue   2026-11-24 05:00:00 UTC
              2026-11-25 02:00:00 -03:00 Wed   2026-11-25 05:00:00 UTC
              2026-11-26 02:00:00 -03:00 Thu   2026-11-26 05:00:00 UTC

            tick: demo.tick, every 30s in UTC, queue celery, priority 9, catch_up once, kwargs {"n": 1}
              2026-11-23 12:00:30 +00:00 Mon   2026-11-23 12:00:30 UTC
              2026-11-23 12:01:00 +00:00 Mon   2026-11-23 12:01:00 UTC
              2026-11-23 12:01:30 +00:00 Mon   2026-11-23 12:01:30 UTC
            """)
    }
}

/// The package root, found from this source file's path.
func packageRoot(file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
