import Foundation

/// Removes secrets (passwords, webhook URLs) from text before it reaches a log line, an error or Slack.
///
/// The backup steps know their secrets exactly (the database and Redis passwords they hand to child
/// processes), so every occurrence is replaced by `***` rather than guessed at by pattern.
struct SecretScrubber: Sendable {
    private let secrets: [String]

    /// A scrubber for these secrets; empty strings are ignored.
    init(secrets: [String?]) {
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets = Array(Set(secrets.compactMap { $0 }.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `***`.
    func scrub(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
