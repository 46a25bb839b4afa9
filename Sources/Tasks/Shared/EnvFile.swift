import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A service's env file (`KEY=VALUE` lines), read once, changed key by key and written back atomically.
///
/// Lines that are not the keys being changed (comments, blank lines, other variables, `export ` prefixes) are kept
/// as they are, in order; a changed key keeps its place and an added one goes at the end. ``write(mode:)`` writes
/// a temporary file in the same directory (created with the final mode, so the content is never readable by
/// others), `fsync`s it and renames it over the file; ``restore()`` puts the bytes that were read back, byte for
/// byte, the same way. Values are never part of an error: errors name the path and the key only.
struct EnvFile: Sendable {
    /// The file's path.
    let path: String
    /// The bytes read, `nil` when the file did not exist.
    let original: [UInt8]?
    /// The mode the file had (`nil` when it did not exist).
    let originalMode: mode_t?
    private var lines: [String]

    /// Reads `path`; a missing file reads as empty.
    /// - Throws: ``EnvFileError`` when the file exists but cannot be read.
    init(path: String) throws(EnvFileError) {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            guard errno == ENOENT else { throw EnvFileError(path: path, "cannot be read", errno: errno) }
            original = nil
            originalMode = nil
            lines = []
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EnvFileError(path: path, "cannot be read", errno: errno)
        }
        original = Array(data)
        originalMode = status.st_mode & 0o7777
        let text = String(decoding: data, as: UTF8.self)
        var split = text.components(separatedBy: "\n")
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

    /// Sets `key` to `value`: in place where the file sets it (every occurrence), else in a new last line. A value
    /// that is not a bare word (whitespace, quotes, `#`, `$`, a backslash) is written in double quotes, with backslashes
    /// and `"` escaped.
    mutating func set(_ key: String, _ value: String) {
        let rendered = Self.rendered(value)
        var found = false
        for index in lines.indices {
            guard let (name, _) = Self.assignment(lines[index]), name == key else { continue }
            let prefix = lines[index].trimmingCharacters(in: .whitespaces).hasPrefix("export ") ? "export " : ""
            lines[index] = "\(prefix)\(key)=\(rendered)"
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

    /// Writes ``contents`` atomically with `mode` (default: the mode the file had, else 0600).
    /// - Throws: ``EnvFileError`` naming the step that failed; the file is then unchanged.
    func write(mode: mode_t? = nil) throws(EnvFileError) {
        try Self.replace(path: path, with: contents, mode: mode ?? originalMode ?? 0o600)
    }

    /// Puts what was read, byte for byte and with its mode, at `destination` (default: back where it was read), or
    /// removes `destination` when there was no file.
    /// - Throws: ``EnvFileError`` when that fails.
    func restore(to destination: String? = nil) throws(EnvFileError) {
        let destination = destination ?? path
        guard let original, let originalMode else {
            if unlink(destination) != 0, errno != ENOENT {
                throw EnvFileError(path: destination, "cannot be removed", errno: errno)
            }
            return
        }
        try Self.replace(path: destination, with: original, mode: originalMode)
    }

    /// Writes what was read, byte for byte and with its mode, to `destination`: an empty file (mode 0600) when there
    /// was no file, so that the copy always exists.
    /// - Throws: ``EnvFileError`` when that fails.
    func saveOriginal(to destination: String) throws(EnvFileError) {
        try Self.replace(path: destination, with: original ?? [], mode: originalMode ?? 0o600)
    }

    /// Temporary file in the same directory (so `rename` is atomic), created with `mode`, synced, renamed over
    /// `path`, then the directory synced.
    private static func replace(path: String, with bytes: [UInt8], mode: mode_t) throws(EnvFileError) {
        let directory =
            (path as NSString).deletingLastPathComponent.isEmpty
            ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = "\(directory)/.\(name).celerity-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw EnvFileError(path: path, "cannot create a temporary file in \(directory)", errno: errno)
        }
        var failure: EnvFileError?
        // The umask may have narrowed the mode given to open; fchmod sets it exactly.
        if fchmod(descriptor, mode) != 0 {
            failure = EnvFileError(path: path, "cannot set the mode of the temporary file", errno: errno)
        }
        var offset = 0
        while failure == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = EnvFileError(path: path, "cannot write the temporary file", errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = EnvFileError(path: path, "cannot sync the temporary file", errno: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = EnvFileError(path: path, "cannot be replaced", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// `KEY` and the raw value of a `KEY=VALUE` or `export KEY=VALUE` line; `nil` for comments and other lines.
    private static func assignment(_ line: String) -> (String, String)? {
        var text = Substring(line.trimmingCharacters(in: .whitespaces))
        guard !text.hasPrefix("#") else { return nil }
        if text.hasPrefix("export ") { text = text.dropFirst("export ".count) }
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return (name, String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
    }

    private static func rendered(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ !$0.isWhitespace && !"\"'#\\$`".contains($0) }) { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
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
