import Foundation

/// The off-site copy: a command template run once per finished file, e.g.
/// `aws s3 cp {file} s3://my-bucket/backups/postgresql/`.
///
/// The template is split into words once, when the configuration is read (whitespace separates words;
/// `'…'` or `"…"` keep spaces inside one word), and `{file}` is replaced inside each word by the file's path.
/// No shell runs it, so a file name or path can never add a command. A non-zero exit fails the backup job.
/// It runs with a minimal environment: `PATH`, `LC_ALL`, `TZ`, `HOME`, the cloud tools' own variables
/// (`AWS_*`, `GOOGLE_*`, `AZURE_*`) and the variables named in `CELERITY_BACKUP_OFFSITE_ENV` — nothing else of the
/// worker's (database URLs, `PGPASSWORD`, application secrets, the Slack webhook).
public struct OffsiteCopy: Sendable, Hashable {
    /// The words of the template, `{file}` still in place.
    public let words: [String]
    /// The worker's variables the command gets besides `HOME` and the cloud prefixes (`CELERITY_BACKUP_OFFSITE_ENV`).
    public var passedVariables: [String] = []

    /// The prefixes of variables the off-site command always gets (the cloud tools' credentials and settings).
    static let passedPrefixes = ["AWS_", "GOOGLE_", "AZURE_"]

    /// Parses a template.
    ///
    /// - Throws: ``BackupError`` with code `configuration` when it is empty, has an unclosed quote, or has no
    ///   `{file}`.
    public init(template: String) throws {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in template {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil else {
            throw BackupError(.configuration, "CELERITY_BACKUP_OFFSITE_COMMAND has an unclosed quote")
        }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw BackupError(.configuration, "CELERITY_BACKUP_OFFSITE_COMMAND is empty") }
        guard words.contains(where: { $0.contains("{file}") }) else {
            throw BackupError(
                .configuration, "CELERITY_BACKUP_OFFSITE_COMMAND has no {file}: add it where the file's path goes"
            )
        }
        self.words = words
    }

    /// The command that copies the file at `path`.
    func command(for path: String) -> ExternalCommand {
        let words = self.words.map { $0.replacingOccurrences(of: "{file}", with: path) }
        let names = Set(passedVariables + ["HOME"])
        let passed = ProcessInfo.processInfo.environment.filter { name, _ in
            names.contains(name) || Self.passedPrefixes.contains { name.hasPrefix($0) }
        }
        return ExternalCommand(
            executable: words[0], arguments: Array(words.dropFirst()), environment: passed, timeout: .seconds(3600)
        )
    }

    /// Copies each file in turn; the first failure stops and throws.
    func copy(_ paths: [String], scrubber: SecretScrubber) async throws {
        for path in paths {
            do {
                try await command(for: path).run(scrubber: scrubber)
            } catch let error as BackupError {
                throw BackupError(error.code, "off-site copy of \(path) failed: \(error.message)")
            }
        }
    }
}
