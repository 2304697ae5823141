import Foundation
import Testing
import TestSupport

/// libwebp's decoder test vectors through the path users take: the built binary's
/// `convert X.webp -o Y.pam`, whose output must be byte for byte `dwebp -pam`'s (md5 from the
/// vectors' key). The library conformance suite checks the decoder; this checks everything the
/// CLI adds around it (its decoder settings, the pass from the decoded image to the PAM writer).
@Suite("libwebp test vectors through the CLI")
struct WebPVectorCommandTests {
    typealias Vector = WebPVector

    static let vectors = WebPVector.keyed

    @Test("all 96 keyed vectors are found", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"))
    func vectorsPresent() {
        #expect(Self.vectors.count == 96)
    }

    @Test("convert X.webp -o Y.pam writes dwebp -pam's bytes", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"), arguments: vectors)
    func convertMatchesDwebp(_ vector: Vector) throws {
        let output = try makeScratchDirectory() + "/" + vector.file + ".pam"
        defer { try? FileManager.default.removeItem(atPath: (output as NSString).deletingLastPathComponent) }
        let run = try runImagepipe(["convert", TestPaths.libwebpTestData!.appendingPathComponent(vector.file).path, "-o", output])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(md5Hex(try readBytes(URL(fileURLWithPath: output))) == vector.md5)
    }
}
