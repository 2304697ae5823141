import Foundation
import Testing
import TestSupport

/// Rules that keep the documentation true to the code.
@Suite("documentation rules")
struct DocumentationRulesTests {
    /// Every module Package.swift declares: targets, executables and system libraries (test
    /// targets are docs/testing.md's business).
    static func declaredModules() throws -> Set<String> {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let pattern = try Regex(#"\.(target|executableTarget|systemLibrary)\(\s*name:\s*"([A-Za-z0-9_]+)""#)
        return Set(text.matches(of: pattern).compactMap { $0.output[2].substring.map(String.init) })
    }

    /// The modules docs/architecture.md's module table names: the backticked names in the first
    /// column of the table under the `| module |` header.
    static func documentedModules() throws -> Set<String> {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        var names = Set<String>()
        var inTable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("| module |") {
                inTable = true
                continue
            }
            guard inTable else { continue }
            guard line.hasPrefix("|") else {
                inTable = false
                continue
            }
            let firstColumn = line.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
            for match in firstColumn.matches(of: /`([A-Za-z0-9_]+)`/) { names.insert(String(match.output.1)) }
        }
        return names
    }

    @Test("docs/architecture.md's module table names every module in Package.swift, and no other")
    func architectureNamesEveryModule() throws {
        let declared = try Self.declaredModules()
        let documented = try Self.documentedModules()
        #expect(declared.count >= 20, "Package.swift parsed: \(declared.sorted())")
        #expect(declared.subtracting(documented).isEmpty, "in Package.swift, not in docs/architecture.md: \(declared.subtracting(documented).sorted())")
        #expect(documented.subtracting(declared).isEmpty, "in docs/architecture.md, not in Package.swift: \(documented.subtracting(declared).sorted())")
    }

    @Test("every Swift library product has a DocC catalog with a landing page and a getting-started article")
    func everyLibraryHasACatalog() throws {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let libraries = text.matches(of: try Regex(#"\.library\(name:\s*"([A-Za-z0-9_]+)""#)).compactMap { $0.output[1].substring.map(String.init) }
            .filter { !$0.hasPrefix("C") }  // the C baselines: no Swift symbols to document
        #expect(libraries.count >= 10, "parsed: \(libraries)")
        for library in libraries {
            let catalog = TestPaths.packageRoot.appendingPathComponent("Sources/\(library)/\(library).docc")
            for page in ["\(library).md", "GettingStarted.md"] {
                let path = catalog.appendingPathComponent(page).path
                let contents = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                #expect(!contents.isEmpty, "\(library): no \(page) in \(catalog.path)")
                if page == "\(library).md" {
                    #expect(contents.hasPrefix("# ``\(library)``") && contents.contains("<doc:GettingStarted>"), "\(path): the landing page names the module and links the article")
                }
            }
        }
    }

    /// What a module depends on, directly and through other modules of this package, as
    /// Package.swift declares it (products of other packages by their product names).
    static func dependencyClosure(of module: String) throws -> Set<String> {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let block = try Regex(#"name:\s*"([A-Za-z0-9_]+)",\s*dependencies:\s*\[([^\]]*)\]"#)
        let quoted = try Regex(#"(?:\.product\(name:\s*)?"([A-Za-z0-9_-]+)"(?:,\s*package:\s*"[^"]+"\))?"#)
        var direct: [String: [String]] = [:]
        for match in text.matches(of: block) {
            guard let name = match.output[1].substring, let list = match.output[2].substring else { continue }
            direct[String(name)] = list.matches(of: quoted).compactMap { $0.output[1].substring.map(String.init) }
        }
        var closure = Set<String>()
        var pending = direct[module] ?? []
        while let next = pending.popLast() {
            guard closure.insert(next).inserted else { continue }
            pending += direct[next] ?? []
        }
        return closure
    }

    @Test("the modules convert, gallery and info use do not depend on the HTTP stack; only GenerationJob does")
    func onlyGenerationLinksHTTP() throws {
        let http: Set = ["ImageGeneration", "AsyncHTTPClient", "NIOCore", "NIOPosix", "NIOHTTP1", "Hummingbird"]
        let pipeline = try Self.dependencyClosure(of: "ImagePipeline")
        #expect(pipeline.isSuperset(of: ["ImageCodecs", "ImageOps", "ImageResponses", "ImageCore", "FastBase64"]), "parsed: \(pipeline.sorted())")
        #expect(pipeline.isDisjoint(with: http), "ImagePipeline reaches \(pipeline.intersection(http).sorted())")
        let generation = try Self.dependencyClosure(of: "GenerationJob")
        #expect(generation.isSuperset(of: ["ImagePipeline", "ImageGeneration", "AsyncHTTPClient"]), "parsed: \(generation.sorted())")
    }

    @Test("the pipeline framework depends on nothing: no codec, HTTP or job module")
    func frameworkStandsAlone() throws {
        #expect(try Self.dependencyClosure(of: "PipelineCore").isEmpty)
        #expect(try Self.dependencyClosure(of: "ImagePipeline").contains("PipelineCore"))
    }
}
