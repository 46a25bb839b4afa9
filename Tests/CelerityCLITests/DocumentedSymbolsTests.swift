import Foundation
import Testing

/// Issue 29: an application in its own package can import every Celerity type docs/tasks.md shows it using.
@Suite("docs/tasks.md against the products")
struct DocumentedSymbolsTests {
    /// Named in docs/tasks.md as Celerity's own application, not as something an application uses.
    static let celerityOwn: Set<String> = ["CelerityTasks"]

    @Test("every Celerity type in docs/tasks.md's code is defined in a library product or a module one re-exports")
    func documentedTypesAreInProducts() throws {
        let root = CelerityVersionTests.root
        let products = Set(
            try CelerityVersionTests.read("Package.swift").matches(of: /\.library\(name: "(\w+)", targets: \["(\w+)"\]\)/)
                .map { String($0.output.2) }
        )
        var modules: [String: String] = [:]  // top-level public type → the module that defines it
        var reexported: [String: Set<String>] = [:]  // module → the modules it re-exports (`@_exported import`)
        let sources = root.appendingPathComponent("Sources")
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            let directory = sources.appendingPathComponent(module).path
            for file in FileManager.default.enumerator(atPath: directory)?.compactMap({ $0 as? String }) ?? []
            where file.hasSuffix(".swift") {
                let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    if let match = line.prefixMatch(of: /@_exported import (\w+)/) {
                        reexported[module, default: []].insert(String(match.output.1))
                    }
                    if let match = line.prefixMatch(of: /public (?:final )?(?:struct|class|enum|protocol|actor|typealias) ([A-Z]\w*)/) {
                        modules[String(match.output.1)] = module
                    }
                }
            }
        }
        // The code: fenced blocks, and `spans` in the prose between them. Types a snippet defines are its own.
        let parts = try CelerityVersionTests.read("docs/tasks.md").components(separatedBy: "```")
        var code: [String] = []
        for (index, part) in parts.enumerated() {
            if index % 2 == 1 { code.append(part) } else { code += part.matches(of: /`([^`\n]+)`/).map { String($0.output.1) } }
        }
        let defined = Set(code.flatMap { $0.matches(of: /(?:struct|enum|class) ([A-Z]\w*)/).map { String($0.output.1) } })
        let names = Set(code.flatMap { $0.matches(of: /\b[A-Z][A-Za-z0-9]*\b/).map { String($0.output) } })
        let celerityTypes = names.filter { modules[$0] != nil && !defined.contains($0) && !Self.celerityOwn.contains($0) }
        #expect(celerityTypes.count >= 30, "the scan found \(celerityTypes.sorted())")
        // A module a product re-exports (Broker's `@_exported import Support`) is imported with that product.
        let importable = products.union(products.flatMap { reexported[$0] ?? [] })
        let missing = celerityTypes.filter { !importable.contains(modules[$0]!) }.map { "\($0) (in \(modules[$0]!))" }
        #expect(missing.isEmpty, "docs/tasks.md shows types an application cannot import: \(missing.sorted())")
    }
}
