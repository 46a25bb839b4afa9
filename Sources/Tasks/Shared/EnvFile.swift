import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A service's env file (`KEY=VALUE` lines), read once, changed key by key and written back atomically.
///
/// - Lines that are not the keys being changed (comments, blank lines, other variables, `export ` prefixes, CRLF
///   endings) are kept as they are, in order; a changed key keeps its place and an added one goes at the end.
/// - A symlinked path is resolved once: the file is read and written at its target, so the link stays a link.
/// - ``write(removing:)`` writes a temporary file beside the target, gives it the target's owner, group and mode
///   (minus the bits the job removes), `fsync`s it, renames it over the target and syncs the directory
///   (``EnvFileReplacement``). ``restore(to:)`` puts the bytes that were read back the same way, with the owner and
///   group of the file it replaces.
/// - Values are written so that a shell's `source`, docker compose and python-dotenv read them back unchanged.
/// - Values are never part of an error: errors name the path and the key only.
///
/// Read-modify-write cycles of one file are serialised with ``EnvFileLock``.
struct EnvFile: Sendable {
    /// The path given.
    let path: String
    /// The file actually read and written: `path` with its symlinks resolved.
    let target: String
    /// The bytes read, `nil` when the file did not exist.
    let original: [UInt8]?
    /// The mode the file had (`nil` when it did not exist).
    let originalMode: mode_t?
    private var lines: [String]

    /// Reads `path` (following symlinks); a missing file reads as empty.
    /// - Throws: ``EnvFileError`` when the file exists but cannot be read, or is a dangling symlink.
    init(path: String) throws(EnvFileError) {
        self.path = path
        target = try EnvFileReplacement.resolved(path)
        var status = stat()
        guard stat(target, &status) == 0 else {
            guard errno == ENOENT else { throw EnvFileError(path: path, "cannot be read", errno: errno) }
            original = nil
            originalMode = nil
            lines = []
            return
        }
        guard let data = FileManager.default.contents(atPath: target) else {
            throw EnvFileError(path: path, "cannot be read", errno: errno)
        }
        original = Array(data)
        originalMode = status.st_mode & 0o7777
        // Split on the byte: "\r\n" is one Character, so a Character split would keep a CRLF file as one line.
        var split = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if split.last == "" { split.removeLast() }
        lines = split
    }

    /// The value of `key` (quotes removed), or `nil` when the file does not set it.
    func value(_ key: String) -> String? {
        for line in lines.reversed() {
            if let (name, value) = Self.assignment(line), name == key { return Self.unquoted(value) }
        }
        return nil
    }

    /// Sets `key` to `value`: in place where the file sets it (every occurrence), else in a new last line.
    ///
    /// A bare word is written as it is; anything else in single quotes (nothing is interpolated in them), or, when
    /// the value holds a `'`, in double quotes with `"` and `\` escaped.
    /// - Throws: ``EnvFileError`` for a value no quoting keeps intact for every reader: a control character
    ///   (newline, CR, tab…), `${` (python-dotenv expands it even in single quotes), or a `'` together with `$`, a
    ///   backtick or a backslash.
    mutating func set(_ key: String, _ value: String) throws(EnvFileError) {
        guard let rendered = Self.rendered(value) else {
            throw EnvFileError(
                path: path,
                "cannot hold the value of \(key): it contains a control character, \"${\", or a single quote together "
                    + "with $, ` or \\, which shells, docker compose and dotenv read differently; choose another value")
        }
        var found = false
        for index in lines.indices {
            guard let (name, _) = Self.assignment(lines[index]), name == key else { continue }
            let prefix = lines[index].trimmingCharacters(in: .whitespaces).hasPrefix("export ") ? "export " : ""
            let ending = lines[index].hasSuffix("\r") ? "\r" : ""
            lines[index] = "\(prefix)\(key)=\(rendered)\(ending)"
            found = true
        }
        if !found { lines.append("\(key)=\(rendered)") }
    }

    /// Removes every line that sets `key`.
    mutating func remove(_ key: String) {
        lines.removeAll { Self.assignment($0)?.0 == key }
    }

    /// The file's new content.
    var contents: [UInt8] { Array((lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n").utf8) }

    /// Whether the content differs from what was read.
    var isChanged: Bool { contents != (original ?? []) }

    /// Writes ``contents`` atomically at the target, keeping its owner, group and mode minus `removing` (e.g. 0o007:
    /// no access for others); a new file is created with mode 0600.
    /// - Throws: ``EnvFileError`` naming the step that failed (also when the owner cannot be kept); the file is then
    ///   unchanged.
    func write(removing: mode_t = 0) throws(EnvFileError) {
        try EnvFileReplacement.replace(target, shownAs: path, with: contents, mode: (originalMode ?? 0o600) & ~removing)
    }

    /// Puts what was read, byte for byte and with its mode, at `destination` (default: back where it was read; its
    /// symlinks resolved, its owner and group kept), or removes `destination` when there was no file.
    /// - Throws: ``EnvFileError`` when that fails.
    func restore(to destination: String? = nil) throws(EnvFileError) {
        let shown = destination ?? path
        let resolved = try destination.map { path throws(EnvFileError) in try EnvFileReplacement.resolved(path) } ?? target
        guard let original, let originalMode else {
            if unlink(resolved) != 0, errno != ENOENT {
                throw EnvFileError(path: shown, "cannot be removed", errno: errno)
            }
            return
        }
        try EnvFileReplacement.replace(resolved, shownAs: shown, with: original, mode: originalMode)
    }

    /// Writes what was read, byte for byte and with its mode, to `destination`: an empty file (mode 0600) when there
    /// was no file, so that the copy always exists.
    /// - Throws: ``EnvFileError`` when that fails.
    func saveOriginal(to destination: String) throws(EnvFileError) {
        try EnvFileReplacement.replace(destination, shownAs: destination, with: original ?? [], mode: originalMode ?? 0o600)
    }

    /// `KEY` and the raw value of a `KEY=VALUE` or `export KEY=VALUE` line (a CRLF ending ignored); `nil` for
    /// comments and other lines.
    private static func assignment(_ line: String) -> (String, String)? {
        var text = Substring(line.trimmingCharacters(in: .whitespaces))
        if text.hasSuffix("\r") { text = text.dropLast() }
        guard !text.hasPrefix("#") else { return nil }
        if text.hasPrefix("export ") { text = text.dropFirst("export ".count) }
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return (name, String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
    }

    /// How `value` is written, or `nil` when no quoting is read back the same by a shell, compose and dotenv.
    static func rendered(_ value: String) -> String? {
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }), !value.contains("${")
        else { return nil }
        if !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:/+=@,%".contains($0) }) {
            return value
        }
        if !value.contains("'") { return "'\(value)'" }
        guard !value.contains(where: { "$`\\".contains($0) }) else { return nil }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func unquoted(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" else {
            return value
        }
        let inner = String(value.dropFirst().dropLast())
        guard first == "\"" else { return inner }
        var result = ""
        var escaped = false
        for character in inner {
            if escaped || character != "\\" {
                result.append(character)
                escaped = false
            } else {
                escaped = true
            }
        }
        return result
    }
}
