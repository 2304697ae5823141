import Foundation
import Testing
import TestSupport

/// How the release binary is linked, which decides a third of its peak memory on small images:
/// the Swift symbols are not exported (their dynamic symbol table was 2.5 MiB, paged in by the
/// loader's lookups) and the relocations are packed (DT_RELR instead of 2.9 MiB of `.rela.dyn`
/// read at every start), and it stays position-independent.
@Suite("the release binary's link")
struct ReleaseLinkTests {
    /// The binary under test when it is a release build (`scripts/test.sh` sets `IMAGEPIPE_BINARY`
    /// to `.build/release/imagepipe`).
    static var releaseBinary: String? {
        let path = TestPaths.imagepipeBinary.path
        return path.contains("/release/") && FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf") ? path : nil
    }

    static func readelf(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: text, as: UTF8.self)
    }

    @Test(
        "packed relocations, no exported Swift symbols, still PIE",
        .enabled(if: releaseBinary != nil, "skipped: checks the release binary (IMAGEPIPE_BINARY=.build/release/imagepipe, as scripts/test.sh runs) with /usr/bin/readelf")
    )
    func link() throws {
        let binary = try #require(Self.releaseBinary)
        let dynamic = try Self.readelf(["-dW", binary])
        let packed = dynamic.contains("(RELR)"), positionIndependent = dynamic.contains("PIE")
        #expect(packed, "no DT_RELR: the relocations are not packed")
        #expect(positionIndependent, "not position-independent")
        let exported = try Self.readelf(["--dyn-syms", "-W", binary]).split(separator: "\n").filter { $0.contains(" $s") }
        #expect(exported.count == 0, "Swift symbols exported, e.g. \(exported.first ?? "")")
    }
}
