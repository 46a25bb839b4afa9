import Foundation

/// The off-site copy: a command template run once per finished file, e.g.
/// `aws s3 cp {file} s3://my-bucket/backups/postgresql/`.
///
/// The template is split into words once, when the configuration is read (whitespace separates words;
/// `'…'` or `"…"` keep spaces inside one word), and `{file}` is replaced inside each word by the file's path.
/// No shell runs it, so a file name or path can never add a command. A non-zero exit fails the backup job.
/// It runs with the worker's environment minus Celerity's own variables, so its credentials (`AWS_*`, `HOME`)
/// reach it and the database URLs and the Slack webhook do not.
public struct OffsiteCopy: Sendable, Hashable {
    /// The words of the template, `{file}` still in place.
    public let words: [String]

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
        return ExternalCommand(
            executable: words[0], arguments: Array(words.dropFirst()), timeout: .seconds(3600), inheritsEnvironment: true
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
