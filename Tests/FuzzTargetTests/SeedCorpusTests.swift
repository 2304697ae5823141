@testable import Base64Fuzz
import Foundation
import FuzzSupport
@testable import ImageFuzz
@testable import SandboxFuzz
import TestSupport
import Testing

/// Every committed seed (and every regression input kept beside them) replayed through its fuzz
/// target's check, so the checks themselves run in CI, not only under libFuzzer.
@Suite struct SeedCorpusTests {
    static let targets = ImageFuzz.targets + SandboxFuzz.targets + Base64Fuzz.targets
    static let corpus = TestPaths.packageRoot.appendingPathComponent("Fuzz/corpus")

    @Test(arguments: targets.map(\.name))
    func seedsPassTheirCheck(_ name: String) throws {
        let target = try #require(Self.targets.first { $0.name == name })
        let folder = Self.corpus.appendingPathComponent(name)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!files.isEmpty, "no seeds in Fuzz/corpus/\(name)")
        for file in files {
            let bytes = try readBytes(folder.appendingPathComponent(file))
            bytes.withUnsafeBytes { target.check($0) }
        }
    }

    @Test func everyCorpusFolderHasATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(folders == Self.targets.map(\.name).sorted())
    }
}
