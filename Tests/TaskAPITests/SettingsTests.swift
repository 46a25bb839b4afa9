import Foundation
import TaskAPI
import Testing

@Suite struct SettingsTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).env").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("flags override the environment, which overrides the file")
    func precedence() throws {
        let path = try file("""
            # comment
            export CELERITY_A=file
            CELERITY_B="file b"
            CELERITY_C='file c'
            CELERITY_D=
            """)
        let settings = try Settings(
            flags: ["CELERITY_A": "flag"], environment: ["CELERITY_A": "env", "CELERITY_B": "env b"], file: path
        )
        #expect(settings["CELERITY_A"] == "flag")
        #expect(settings["CELERITY_B"] == "env b")
        #expect(settings["CELERITY_C"] == "file c")
        #expect(settings["CELERITY_D"] == nil)
        #expect(settings.source(of: "CELERITY_C") == path)
    }

    @Test("a number of seconds is range-checked before it becomes a Duration: 1e300, inf, nan, -1 name the key, never trap")
    func secondsAreRangeChecked() throws {
        for text in ["1e300", "inf", "nan", "-1", "10000001"] {
            let settings = try Settings(environment: ["CELERITY_SECRETS_GRACE": text])
            #expect {
                try settings.seconds("CELERITY_SECRETS_GRACE", default: .seconds(1))
            } throws: { "\($0)".contains("CELERITY_SECRETS_GRACE") }
        }
        let settings = try Settings(environment: ["CELERITY_SECRETS_GRACE": "0.25"])
        #expect(try settings.seconds("CELERITY_SECRETS_GRACE", default: .seconds(1)) == .milliseconds(250))
    }

    @Test("typed reads name the key and never the value; secrets print as ***")
    func errorsHideValues() throws {
        let settings = try Settings(environment: ["CELERITY_N": "hunter2", "SLACK_WEBHOOK_URL": "https://hooks.example/T0/B0/XYZ"])
        do {
            _ = try settings.int("CELERITY_N", default: 1)
            Issue.record("a non-number was accepted")
        } catch {
            #expect("\(error)".contains("CELERITY_N"))
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(try settings.seconds("CELERITY_MISSING", default: .seconds(300)) == .seconds(300))
        let secret = try #require(settings.secret("SLACK_WEBHOOK_URL"))
        #expect("\(secret)" == "***")
        #expect(!"\(settings)".contains("XYZ"))
        #expect(settings.list("CELERITY_MISSING", default: ["a"]) == ["a"])
        #expect(throws: SettingsError.self) { try settings.require("CELERITY_DATABASE_URL") }
        #expect(throws: SettingsError.self) { try Settings(file: "/nonexistent/celerity.env") }
        let bad = try file("NOT A PAIR")
        #expect(throws: SettingsError.self) { try Settings(environment: [:], file: bad) }
    }
}
