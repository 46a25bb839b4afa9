import Foundation
import Testing

@testable import Tasks

/// The env-file writer both jobs use: kept lines, quoting, atomic replace with a mode, byte-for-byte restore.
@Suite("Env file")
struct EnvFileTests {
    @Test(
        "set keeps other lines, comments, order and `export `; odd values are quoted and read back; restore puts the bytes and mode back"
    )
    func editAndRestore() throws {
        let directory = try TemporaryDirectory(prefix: "celerity-envfile")
        let path = directory.appending("service.env")
        let original = "# service\nexport A=1\nB = \"two words\"\n\nC='x y'\nA=again\n"
        try Data(original.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o640)
        var file = try EnvFile(path: path)
        #expect(file.value("A") == "again" && file.value("B") == "two words" && file.value("C") == "x y")
        try file.set("A", "3")
        try file.set("D", #"has "quotes" and \ and $HOME"#)
        file.remove("C")
        try file.write(removing: 0o077)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == "# service\nexport A=3\nB = \"two words\"\n\nA=3\nD='has \"quotes\" and \\ and $HOME'\n")
        #expect(try EnvFile(path: path).value("D") == #"has "quotes" and \ and $HOME"#)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["service.env"])

        try file.restore()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(original.utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
    }

    @Test(
        "a missing file reads as empty, is created with mode 0600, and restoring removes it; an unwritable directory is an error naming the path"
    )
    func missingFileAndErrors() throws {
        let directory = try TemporaryDirectory(prefix: "celerity-envfile")
        let path = directory.appending("new.env")
        var file = try EnvFile(path: path)
        #expect(file.value("X") == nil && file.original == nil)
        try file.set("X", "1")
        try file.write()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "X=1\n")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        try file.restore()
        #expect(!FileManager.default.fileExists(atPath: path))

        let nowhere = try EnvFile(path: "/nonexistent-celerity/dir/app.env")
        let error = #expect(throws: EnvFileError.self) { try nowhere.write() }
        #expect(
            error?.description.hasPrefix("/nonexistent-celerity/dir/app.env cannot create a temporary file") == true)
    }
}
