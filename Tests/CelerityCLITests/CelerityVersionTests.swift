import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import TaskAPI
import Testing

/// Issue 29, versioning: one version number, in `VERSION`, the binaries and CHANGELOG.md.
@Suite("Version")
struct CelerityVersionTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ file: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
    }

    @Test("CelerityVersion.current is the VERSION file, a MAJOR.MINOR.PATCH number")
    func constantMatchesTheFile() throws {
        let file = try Self.read("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(CelerityVersion.current == file)
        let parts = file.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }, "\(file)")
    }

    @Test("CHANGELOG.md has a section for this version")
    func changelogNamesTheVersion() throws {
        let changelog = try Self.read("CHANGELOG.md")
        #expect(changelog.split(separator: "\n").contains { $0.hasPrefix("## \(CelerityVersion.current)") }, "no '## \(CelerityVersion.current)' in CHANGELOG.md")
    }

    @Test("a worker binary's root command has worker, its own commands, the hidden worker-process, and --version")
    func workerRootCommand() {
        let plain = CommandConfiguration.worker(NoTasks.self, commandName: "plain-worker")
        #expect(plain.version == CelerityVersion.current)
        #expect(plain.subcommands.map { $0.configuration.commandName } == ["worker", "worker-process"])

        let versioned = CommandConfiguration.worker(NoTasks.self, commandName: "shop-worker", version: "1.2.0", subcommands: [Hello.self])
        #expect(versioned.version == "1.2.0 (Celerity \(CelerityVersion.current))")
        #expect(versioned.subcommands.map { $0.configuration.commandName } == ["worker", "hello", "worker-process"])
    }
}

private enum NoTasks: TaskApplication {
    static func setup(_ context: SetupContext) async throws -> TaskRegistry { try TaskRegistry([]) }
}

private struct Hello: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hello")
}
