import Foundation
import Testing
import TestSupport

/// Rules on the source itself, for code shapes the compiler gets wrong (docs/compiler-workarounds.md).
@Suite("source rules")
struct SourceRulesTests {
    // Swift 6.3.1 at -O drops the store of a tuple's first element when an async closure returns
    // `(x, try await …)` from a do/catch: the release binary crashed on URL results.
    @Test("no tuple literal awaits after its first element: bind the awaited value first")
    func noAwaitInsideTupleLiteral() throws {
        let sources = TestPaths.packageRoot.appendingPathComponent("Sources")
        let pattern = try Regex(#"\(\s*[^()\n]+,\s*(\.\w+\()?\s*try\s+await\b"#)
        var offenders: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: sources.path))
        for case let relative as String in files where relative.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(pattern) {
                offenders.append("Sources/\(relative):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
